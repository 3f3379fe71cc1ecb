import type { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Registry } from "prom-client";
import type { HealthMonitor } from "./health.js";

/** The Node handler shape Connect's adapter takes as its `fallback`. */
type NodeHandler = ReturnType<typeof connectNodeAdapter>;
type Request = Parameters<NodeHandler>[0];
type Response = Parameters<NodeHandler>[1];

export interface HttpEndpointsOptions {
  /** Serves `GET /metrics` from this registry; no metrics endpoint when absent. */
  metrics?: Registry;
  health: HealthMonitor;
  /** Whether a `GET /metrics` may be answered (its `authorization` header): absent, always. A refusal answers 401. */
  metricsAccess?: (authorization: string | undefined) => Promise<boolean>;
  /** Serves the web console under `/console` (`console-files.ts`); answers false elsewhere. Absent: no console. */
  console?: (request: Request, response: Response) => boolean;
}

function send(response: Response, status: number, contentType: string, body: string) {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  response.end(body);
}

/**
 * Plain HTTP endpoints next to the RPCs, for tools that do not speak gRPC:
 * - `GET /metrics`: Prometheus text (with authentication, only for a valid bearer token unless `metricsPublic`)
 * - `GET /healthz`: 200 while the process runs (liveness)
 * - `GET /readyz`: 200 SERVING or 503 NOT_SERVING, as grpc.health.v1 tells (readiness)
 * - with the console: `/console/…` its files, and `GET /` a redirect to it
 * Anything else: 404.
 */
export function createHttpEndpoints(options: HttpEndpointsOptions): NodeHandler {
  return (request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const read = request.method === "GET" || request.method === "HEAD";
    if (read && path === "/metrics" && options.metrics) {
      const registry = options.metrics;
      const access = options.metricsAccess?.(request.headers.authorization) ?? Promise.resolve(true);
      access
        .then(async (allowed) => {
          if (!allowed) {
            response.writeHead(401, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "www-authenticate": "Bearer" });
            response.end("this server requires a bearer token (authorization: Bearer <token>)\n");
            return;
          }
          send(response, 200, registry.contentType, await registry.metrics());
        })
        .catch((error: unknown) => send(response, 500, "text/plain; charset=utf-8", `metrics failed: ${String(error)}\n`));
      return;
    }
    if (read && path === "/healthz") return send(response, 200, "text/plain; charset=utf-8", "ok\n");
    if (read && path === "/readyz") {
      const serving = options.health.serving;
      return send(response, serving ? 200 : 503, "text/plain; charset=utf-8", serving ? "SERVING\n" : "NOT_SERVING\n");
    }
    if (options.console) {
      if (read && path === "/") {
        response.writeHead(302, { location: "/console/", "cache-control": "no-store" });
        return response.end();
      }
      if (options.console(request, response)) return;
    }
    send(response, 404, "text/plain; charset=utf-8", "not found\n");
  };
}
