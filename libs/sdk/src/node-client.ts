import type { Transport } from "@connectrpc/connect";
import { compressionGzip, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { createClientOn, requireBaseUrl, transportInterceptors, type AnnalsClient, type ClientOptions } from "./client.js";
import { createHttp2GrpcTransport } from "./grpc-transport.js";
import { WindowedSessionManager, type ReceiveWindow } from "./session-manager.js";

/** The client's options in Node. */
export interface AnnalsClientOptions extends ClientOptions {
  /**
   * `grpc` (default), `connect` (the Connect protocol, binary) or `grpc-web`,
   * all over one HTTP/2 connection. Ignored when `transport` is given.
   */
  protocol?: "grpc" | "connect" | "grpc-web";
  /** Interval of HTTP/2 keepalive pings, ms. Default 15,000. */
  pingIntervalMs?: number;
  /**
   * How far responses may run ahead of the reader, bytes. Default 1 MiB per
   * call and 4 MiB for the connection (Node's own default is 64 KiB).
   */
  receiveWindow?: Partial<ReceiveWindow>;
  /**
   * Let the server gzip its responses: worth it on a slow link; on a local
   * network it costs both sides more CPU than it saves (replays ran 20 to 40 %
   * slower with it here). Default false.
   */
  compressResponses?: boolean;
  /**
   * TLS for an `https://` baseUrl: the certificate authorities to trust (PEM; default
   * the system's) and, for a server that asks for one, a client certificate and key.
   */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
}

/** A typed client of the Annals event store, for Node (gRPC over HTTP/2 by default). */
export function createAnnalsClient(options: AnnalsClientOptions): AnnalsClient {
  if (options.transport) return createClientOn(options.transport, options.registry, () => undefined);
  const baseUrl = requireBaseUrl(options);
  const sessionManager = new WindowedSessionManager(
    baseUrl,
    { pingIntervalMs: options.pingIntervalMs ?? 15_000, pingTimeoutMs: 10_000 },
    { streamBytes: options.receiveWindow?.streamBytes ?? 1024 * 1024, connectionBytes: options.receiveWindow?.connectionBytes ?? 4 * 1024 * 1024 },
    // Room for the largest messages the server accepts (node's default is 10 MB per session).
    { maxSessionMemory: 64, ...options.tls },
  );
  const common = {
    baseUrl,
    sessionManager,
    interceptors: transportInterceptors(options),
    acceptCompression: options.compressResponses ? [compressionGzip] : [],
  };
  let transport: Transport;
  switch (options.protocol ?? "grpc") {
    case "grpc":
      // Connect's own gRPC transport only for gzip, which the direct one does not speak.
      transport = options.compressResponses ? createGrpcTransport(common) : createHttp2GrpcTransport(common);
      break;
    case "connect":
      transport = createConnectTransport({ ...common, httpVersion: "2" });
      break;
    case "grpc-web":
      transport = createGrpcWebTransport({ ...common, httpVersion: "2" });
      break;
    default:
      throw new TypeError(`createAnnalsClient: protocol must be grpc, connect or grpc-web, not ${String(options.protocol)}`);
  }
  return createClientOn(transport, options.registry, () => sessionManager.abort());
}
