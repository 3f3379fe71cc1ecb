import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createClientOn, requireBaseUrl, transportInterceptors, type AnnalsClient, type ClientOptions } from "./client.js";

/** The client's options in browsers (and any runtime with `fetch`). */
export interface AnnalsClientOptions extends ClientOptions {
  /**
   * `connect` (default: the Connect protocol, binary) or `grpc-web`, both over
   * `fetch`. Browsers cannot speak plain gRPC. Ignored when `transport` is given.
   */
  protocol?: "connect" | "grpc-web";
  /** The `fetch` to call (e.g. one that adds credentials). Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** A typed client of the Annals event store, for browsers: Connect or gRPC-Web over `fetch`. */
export function createAnnalsClient(options: AnnalsClientOptions): AnnalsClient {
  if (options.transport) return createClientOn(options.transport, options.registry, () => undefined);
  const common = {
    baseUrl: requireBaseUrl(options),
    useBinaryFormat: true,
    interceptors: transportInterceptors(options),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  let transport: Transport;
  switch (options.protocol ?? "connect") {
    case "connect":
      transport = createConnectTransport(common);
      break;
    case "grpc-web":
      transport = createGrpcWebTransport(common);
      break;
    default:
      throw new TypeError(`createAnnalsClient: protocol must be connect or grpc-web in a browser, not ${String(options.protocol)}`);
  }
  // Calls end with their fetch; there is no connection of the client's own to close.
  return createClientOn(transport, options.registry, () => undefined);
}
