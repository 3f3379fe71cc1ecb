import { setMaxListeners } from "node:events";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import type { EventStore as Store } from "@annals/store";
import { EventStore } from "@annals/protocol";
import { AccountService } from "@annals/protocol/bank";
import { startBank, type BankOptions } from "./bank/bank.js";
import { errorMapping } from "./error-mapping.js";
import { createDualListener } from "./listener.js";
import { createNodeAdapter } from "./transport/node-adapter.js";
import type { ConnectionLimits } from "./transport/connection-limits.js";
import { createFastGrpc } from "./fast-grpc/fast-grpc.js";
import { recordUnaryMethods } from "./fast-grpc/unary-methods.js";
import type { Logger } from "./logger.js";
import { createEventStoreService } from "./services/event-store-service.js";
import { withRequestId } from "./ops/request-id.js";
import { createServerOps } from "./ops/server-ops.js";
import type { ServerMetrics } from "./ops/metrics.js";

export interface AnnalsServerOptions {
  store: Store;
  logger: Logger;
  /** Default 50051; 0 picks a free port. */
  port?: number;
  /** Default `0.0.0.0`. */
  host?: string;
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
  /** The bank account service: snapshots, projection polling, command retries. */
  bank?: BankOptions;
  /** Answer unary gRPC calls straight on the HTTP/2 stream, past the Connect adapter. Default true. */
  grpcFastPath?: boolean;
  /** Timeouts and caps per connection. Default: `defaultConnectionLimits`. */
  connections?: Partial<ConnectionLimits>;
}

export interface AnnalsServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  /** Aborted when the server starts shutting down: long-lived streams end on it. */
  readonly shutdownSignal: AbortSignal;
  /** The server's Prometheus metrics (its own registry). */
  readonly metrics: ServerMetrics;
  /** Stops accepting, lets in-flight calls finish (up to the grace period), closes the store. */
  close(): Promise<void>;
}

/** Starts the gRPC / gRPC-Web / Connect server on one port. */
export async function startServer(options: AnnalsServerOptions): Promise<AnnalsServer> {
  const { store, logger } = options;
  const shutdown = new AbortController();
  // Every call in flight listens to this signal.
  setMaxListeners(0, shutdown.signal);
  const ops = createServerOps({
    store,
    logger,
    metrics: options.metrics,
    healthProbeIntervalMs: options.healthProbeIntervalMs,
    healthProbeTimeoutMs: options.healthProbeTimeoutMs,
  });
  const bank = await startBank({ ...options.bank, store, logger });
  const recorded = recordUnaryMethods((router: ConnectRouter) => {
    router.service(EventStore, createEventStoreService({ store, metrics: ops.metrics.subscriptions, shutdownSignal: shutdown.signal }));
    router.service(AccountService, bank.service);
    // Last: health and reflection report on every service registered above.
    ops.routes(router);
  });
  const interceptors = [...ops.interceptors, errorMapping((error) => logger.error({ err: error }, "unexpected error"))];
  const readMaxBytes = options.readMaxBytes ?? 16 * 1024 * 1024;
  const handler = createNodeAdapter({
    routes: recorded.routes,
    interceptors,
    fallback: ops.fallback,
    readMaxBytes,
    // Zero revisions and empty fields stay visible to JSON clients.
    jsonOptions: { alwaysEmitImplicit: true },
    shutdownSignal: shutdown.signal,
  });
  await ops.start();
  const http2Streams =
    (options.grpcFastPath ?? true) ? createFastGrpc({ methods: recorded.methods, interceptors, readMaxBytes, shutdownSignal: shutdown.signal }) : undefined;
  const listener = createDualListener(withRequestId(handler), {
    http2Streams,
    limits: options.connections,
    onConnectionClosed: (reason) => {
      ops.metrics.connectionClosed(reason);
      logger.debug({ reason }, "connection closed");
    },
  });
  await new Promise<void>((resolve, reject) => {
    listener.tcp.once("error", reject);
    listener.tcp.listen(options.port ?? 50051, options.host ?? "0.0.0.0", () => {
      listener.tcp.off("error", reject);
      resolve();
    });
  });
  const address = listener.tcp.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`,
    port: address.port,
    shutdownSignal: shutdown.signal,
    metrics: ops.metrics,
    close() {
      closing ??= (async () => {
        ops.drain();
        // Lets health watchers receive NOT_SERVING before long-lived streams end.
        await new Promise((resolve) => setTimeout(resolve, 20));
        shutdown.abort(new Error("server shutting down"));
        await listener.close(options.shutdownGraceMs ?? 10_000);
        ops.stop();
        await bank.close();
        await store.close();
      })();
      return closing;
    },
  };
}
