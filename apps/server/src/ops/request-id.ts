import { randomUUID } from "node:crypto";
import type { connectNodeAdapter } from "@connectrpc/connect-node";

/** The header that carries a request's id, in both directions. */
export const requestIdHeader = "x-request-id";

type NodeHandler = ReturnType<typeof connectNodeAdapter>;

// Printable ASCII without spaces, so that an id cannot forge log lines.
const acceptable = /^[\x21-\x7e]{1,128}$/;

/**
 * Gives every HTTP request an id: the client's `x-request-id` when it sends a
 * sensible one, else a fresh UUID. The id is put back on the request (so RPC
 * interceptors read it) and echoed in the response headers, errors included.
 */
export function withRequestId(handler: NodeHandler): NodeHandler {
  return (request, response) => {
    const id = requestIdFor(request.headers[requestIdHeader]);
    request.headers[requestIdHeader] = id;
    response.setHeader(requestIdHeader, id);
    handler(request, response);
  };
}

/** The id of a request whose `x-request-id` header is `given`: that value when sensible, else a fresh UUID. */
export function requestIdFor(given: string | string[] | undefined): string {
  return typeof given === "string" && acceptable.test(given) ? given : randomUUID();
}
