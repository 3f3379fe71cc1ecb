import { setMaxListeners } from "node:events";
import type { TlsOptions } from "node:tls";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import type { EventStore as Store } from "@annals/store";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { EventStore, file_annals_eventstore_v1_errors } from "@annals/protocol";
import { bindPort, type BoundPort } from "./bound-port.js";
import { keepPrototypeKeys } from "./prototype-keys.js";
import { checkAppendBody } from "./append-request-budget.js";
import { errorMapping, toConnectError } from "./error-mapping.js";
import { createDualListener } from "./listener.js";
import { createNodeAdapter } from "./transport/node-adapter.js";
import type { ConnectionLimits } from "./transport/connection-limits.js";
import { createFastGrpc } from "./fast-grpc/fast-grpc.js";
import { methodPath, recordMethods, type ServerStreamingMethods } from "./fast-grpc/recorded-methods.js";
import type { Logger } from "./logger.js";
import { createEventStoreService } from "./services/event-store-service.js";
import { withRequestId } from "./ops/request-id.js";
import { createServerOps } from "./ops/server-ops.js";
import { createSchemaSet } from "./schemas/schema-set.js";
import type { ServerMetrics } from "./ops/metrics.js";
import { startBackgroundScavenger } from "./ops/scavenger.js";
import type { Authenticator } from "./security/authenticator.js";
import { authInterceptor } from "./security/auth-interceptor.js";
import { withCors } from "./security/cors.js";

export interface AnnalsServerOptions {
  store: Store;
  logger: Logger;
  /** Default 50051; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** A port bound already (`bindPort`), to serve on instead of binding `port` and `host`. */
  listen?: BoundPort;
  /** Largest request message accepted, bytes. Default 16 MiB. */
  readMaxBytes?: number;
  /** How long `close` waits for in-flight calls before cutting them, ms. Default 10,000. */
  shutdownGraceMs?: number;
  /** Serve Prometheus metrics on `GET /metrics`. Default true. */
  metrics?: boolean;
  /** Interval between database health probes, ms. Default 5,000. */
  healthProbeIntervalMs?: number;
  /** A slower database probe reports NOT_SERVING, ms. Default 2,000. */
  healthProbeTimeoutMs?: number;
  /** Answer unary gRPC calls straight on the HTTP/2 stream, past the Connect adapter. Default true. */
  grpcFastPath?: boolean;
  /** Protobuf files the deployment registers (`readSchemaFiles`): GetSchemas describes them with the server's own. Default none. */
  schemas?: readonly FileDescriptorProto[];
  /** Serve the web console from this folder (default `apps/console/dist`), or `false` for none. */
  console?: string | false;
  /** Timeouts and caps per connection. Default: `defaultConnectionLimits`. */
  connections?: Partial<ConnectionLimits>;
  /** Background scavenging: pause between passes (0: none, the default), batch size and pause between batches (ms). */
  scavenge?: { intervalMs?: number; batchSize?: number; pauseMs?: number };
  /** Serve TLS with this certificate and key (`readTlsFiles`), HTTP/2 and HTTP/1.1 by ALPN. Default: cleartext. */
  tls?: TlsOptions;
  /** Origins whose pages may call the server from a browser (CORS; exact origins). Default none. */
  corsOrigins?: readonly string[];
  /** Bearer-token authentication (`createAuthenticator`). Default none: every caller may do everything. */
  authenticator?: Authenticator;
  /** With an authenticator: serve `GET /metrics` without a token. Default false. */
  metricsPublic?: boolean;
  /** With an authenticator: serve gRPC reflection without a token. Default false. */
  reflectionPublic?: boolean;
}

export interface AnnalsServer {
  /** `http://host:port` (`https://` with TLS) */
  readonly url: string;
  readonly port: number;
  /** Aborted when the server starts shutting down: long-lived streams end on it. */
  readonly shutdownSignal: AbortSignal;
  /** The server's Prometheus metrics (its own registry). */
  readonly metrics: ServerMetrics;
  /** Replaces the TLS certificate and key for new connections; throws, keeping the current ones, on a bad pair. */
  setTls(tls: TlsOptions): void;
  /** Stops accepting, lets in-flight calls finish (up to the grace period), closes the store. */
  close(): Promise<void>;
}

/** Starts the gRPC / gRPC-Web / Connect server on one port. */
export async function startServer(options: AnnalsServerOptions): Promise<AnnalsServer> {
  const { store, logger } = options;
  keepPrototypeKeys();
  // First: a port in use fails before anything else starts.
  const bound = options.listen ?? (await bindPort(options.port ?? 50051, options.host ?? "127.0.0.1"));
  const schemas = createSchemaSet([EventStore.file, file_annals_eventstore_v1_errors], options.schemas ?? []);
  const shutdown = new AbortController();
  // Every call in flight listens to this signal.
  setMaxListeners(0, shutdown.signal);
  const ops = createServerOps({
    store,
    logger,
    metrics: options.metrics,
    healthProbeIntervalMs: options.healthProbeIntervalMs,
    healthProbeTimeoutMs: options.healthProbeTimeoutMs,
    console: options.console,
    metricsAccess: metricsAccess(options),
  });
  const recorded = recordMethods((router: ConnectRouter) => {
    router.service(
      EventStore,
      createEventStoreService({ store, schemas, metrics: ops.metrics.subscriptions, shutdownSignal: shutdown.signal, scavengeBatchSize: options.scavenge?.batchSize }),
    );
    // Last: health and reflection report on every service registered above.
    ops.routes(router);
  });
  // Authentication and authorization last: the observers and the error mapping see their refusals.
  const interceptors = [
    ...ops.interceptors,
    errorMapping((error) => logger.error({ err: error }, "unexpected error")),
    authInterceptor({ authenticator: options.authenticator, reflectionPublic: options.reflectionPublic }),
  ];
  const readMaxBytes = options.readMaxBytes ?? 16 * 1024 * 1024;
  const handler = createNodeAdapter({
    routes: recorded.routes,
    interceptors,
    fallback: ops.fallback,
    readMaxBytes,
    // Zero revisions and empty fields stay visible to JSON clients.
    jsonOptions: { alwaysEmitImplicit: true },
    shutdownSignal: shutdown.signal,
    // An append over the store's limits is refused while its body is scanned, before it is decoded.
    bodyChecks: new Map([[`/${EventStore.typeName}/${EventStore.method.append.name}`, (body, contentType) => checkAppendBody(body, contentType, store.limits)]]),
    mapError: (error) => toConnectError(error, (bug) => logger.error({ err: bug }, "unexpected error")),
  });
  await ops.start();
  const scavenger = startBackgroundScavenger({
    store,
    logger,
    intervalMs: options.scavenge?.intervalMs ?? 0,
    batchSize: options.scavenge?.batchSize ?? 1_000,
    pauseMs: options.scavenge?.pauseMs ?? 10,
  });
  const http2Streams =
    (options.grpcFastPath ?? true) ? createFastGrpc({ methods: recorded.unary, serverStreaming: fastServerStreaming(recorded.serverStreaming), interceptors, readMaxBytes, shutdownSignal: shutdown.signal, appendLimits: store.limits }) : undefined;
  const listener = createDualListener(withCors(withRequestId(handler), options.corsOrigins ?? []), {
    bound,
    http2Streams,
    limits: options.connections,
    tls: options.tls,
    onConnectionClosed: (reason) => {
      ops.metrics.connectionClosed(reason);
      logger.debug({ reason }, "connection closed");
    },
  });
  const address = listener.tcp.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `${options.tls ? "https" : "http"}://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`,
    port: address.port,
    shutdownSignal: shutdown.signal,
    metrics: ops.metrics,
    setTls(tls) {
      listener.setTls(tls);
    },
    close() {
      closing ??= (async () => {
        ops.drain();
        // Lets health watchers receive NOT_SERVING before long-lived streams end.
        await new Promise((resolve) => setTimeout(resolve, 20));
        shutdown.abort(new Error("server shutting down"));
        await listener.close(options.shutdownGraceMs ?? 10_000);
        ops.stop();
        await scavenger.stop();
        await store.close();
      })();
      return closing;
    },
  };
}

/**
 * The server-streaming methods the fast gRPC path serves: the finite reads and
 * Subscribe (its handler gives its own metrics and shutdown answer on either path;
 * live, one response object per commit is framed once for all its subscribers).
 * Scavenge stays with the Connect adapter.
 */
const fastReads = new Set([methodPath(EventStore.method.readStream), methodPath(EventStore.method.readAll), methodPath(EventStore.method.subscribe)]);

function fastServerStreaming(recorded: ServerStreamingMethods): ServerStreamingMethods {
  return new Map([...recorded].filter(([path]) => fastReads.has(path)));
}

/** Who may read `GET /metrics`: anyone without authentication or with `metricsPublic`; else any authenticated principal. */
function metricsAccess(options: AnnalsServerOptions): ((authorization: string | undefined) => Promise<boolean>) | undefined {
  const { authenticator } = options;
  if (!authenticator || options.metricsPublic) return undefined;
  return (authorization) => authenticator.authenticate(authorization ?? null).then(
    () => true,
    () => false,
  );
}
