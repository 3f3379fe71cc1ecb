import { cors as connectCors } from "@connectrpc/connect";
import type { connectNodeAdapter } from "@connectrpc/connect-node";
import { requestIdHeader } from "../ops/request-id.js";

type NodeHandler = ReturnType<typeof connectNodeAdapter>;

/** How long a browser may cache a preflight's answer, s. */
export const preflightMaxAgeS = 7_200;

const allowMethods = connectCors.allowedMethods.join(", ");
const allowHeaders = [...connectCors.allowedHeaders, "authorization", requestIdHeader].join(", ");
const exposeHeaders = [...connectCors.exposedHeaders, requestIdHeader].join(", ");

/**
 * CORS for pages of the origins in `origins` (exact `scheme://host:port`, no
 * wildcard: calls carry a bearer token). A preflight from one of them is answered
 * 204 with the Connect, gRPC-Web and `authorization` headers, cached for
 * `preflightMaxAgeS`; a preflight from any other origin gets no CORS header, so the
 * browser refuses the call. Requests without an `Origin` pass as they are.
 */
export function withCors(handler: NodeHandler, origins: readonly string[]): NodeHandler {
  if (origins.length === 0) return handler;
  const allowed = new Set(origins);
  return (request, response) => {
    const origin = request.headers.origin;
    const listed = typeof origin === "string" && allowed.has(origin);
    if (origin !== undefined) response.setHeader("vary", "Origin");
    if (listed) {
      response.setHeader("access-control-allow-origin", origin);
      response.setHeader("access-control-expose-headers", exposeHeaders);
    }
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) {
      if (listed) {
        response.setHeader("access-control-allow-methods", allowMethods);
        response.setHeader("access-control-allow-headers", allowHeaders);
        response.setHeader("access-control-max-age", String(preflightMaxAgeS));
      }
      response.writeHead(listed ? 204 : 403);
      response.end();
      return;
    }
    handler(request, response);
  };
}

/** Reads `--cors-origin`: comma-separated exact origins; `*` is refused (calls carry credentials). */
export function parseCorsOrigins(text: string): string[] {
  const origins = text.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "");
  for (const origin of origins) {
    if (origin === "*" || origin.includes("*")) throw new Error(`corsOrigin: "${origin}": no wildcard, list each origin (calls carry a bearer token)`);
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new Error(`corsOrigin: "${origin}" is not an origin (e.g. https://app.example.com)`);
    }
    if (parsed.origin !== origin) throw new Error(`corsOrigin: "${origin}" must be an origin only, e.g. ${parsed.origin}`);
  }
  return origins;
}
