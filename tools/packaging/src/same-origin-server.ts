import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SameOriginServer {
  /** `http://127.0.0.1:<port>`: the page and the RPCs share this origin. */
  url: string;
  close(): Promise<void>;
}

/** Headers of one connection that a proxy must not forward. */
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);

function forwardable(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)));
}

/**
 * Serves `files` (path → content) and forwards every other request, streamed
 * both ways, to `upstream` (the real Annals server, over HTTP/1.1): a page and
 * its RPCs from one origin, so the browser needs no CORS.
 */
export async function startSameOriginServer(files: Record<string, { type: string; body: string | Uint8Array }>, upstream: string): Promise<SameOriginServer> {
  const target = new URL(upstream);
  const server = http.createServer((request, response) => {
    const file = request.method === "GET" ? files[request.url ?? ""] : undefined;
    if (file) {
      response.writeHead(200, { "content-type": file.type, "cache-control": "no-store" });
      response.end(file.body);
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
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
