import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenGate {
  /** `http://127.0.0.1:<port>`: the console and its calls go through here. */
  url: string;
  close(): Promise<void>;
}

/** Headers of one connection that a proxy must not forward. */
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);

function forwardable(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)));
}

/**
 * A reverse proxy in front of a real server that refuses every RPC and `/metrics`
 * unless it carries `authorization: Bearer <token>`, answering as a server that
 * requires authentication does over the Connect protocol: HTTP 401 with the error
 * `unauthenticated`. Everything else (the console's files) passes, and so does
 * every call with the token, streamed both ways.
 */
export async function startTokenGate(upstream: string, token: string): Promise<TokenGate> {
  const target = new URL(upstream);
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    const guarded = /^\/[a-z][\w.]*\.[A-Z]\w*\/\w+$/.test(path) || path === "/metrics";
    if (guarded && request.headers.authorization !== `Bearer ${token}`) {
      const message = request.headers.authorization ? "bearer token refused" : "this server requires a bearer token";
      response.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" });
      response.end(JSON.stringify({ code: "unauthenticated", message }));
      request.resume();
      return;
    }
    const forwarded = http.request(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: { ...forwardable(request.headers), host: target.host } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        answer.pipe(response);
      },
    );
    forwarded.on("error", (error) => {
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
      response.end(`proxy: ${error.message}`);
    });
    // A page that leaves (a subscription's fetch aborted) ends the forwarded call too.
    response.on("close", () => forwarded.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
