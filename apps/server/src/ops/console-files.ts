import { createReadStream, statSync, type Stats } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { connectNodeAdapter } from "@connectrpc/connect-node";

type NodeHandler = ReturnType<typeof connectNodeAdapter>;
type Request = Parameters<NodeHandler>[0];
type Response = Parameters<NodeHandler>[1];

/** Where `apps/console` builds to, seen from this module in `src/ops/` or `dist/ops/`. */
export const defaultConsoleDir = fileURLToPath(new URL("../../../console/dist/", import.meta.url));

/** The URL path the console is served under. */
export const consolePath = "/console";

/** What the server answers for the console when it has not been built. */
export const consoleNotBuilt = "The console is not built: run npx nx run @annals/console:build (npm start and npm run build do it), then reload.";

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The page itself may load only what it is served with and talk only to its own
 * origin (the RPCs and /metrics); the build has no inline script.
 */
const pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Vite names what it emits under `assets/` after a hash of its content: it never changes. */
const immutable = "public, max-age=31536000, immutable";

export interface ConsoleFilesOptions {
  /** The console's build output. Default `apps/console/dist`. */
  dir?: string;
}

/**
 * Serves the console's build output under `/console/`:
 * - `/console` redirects to `/console/`, which answers `index.html`;
 * - hashed files under `assets/` are cached for a year, everything else is revalidated (ETag);
 * - a path that leaves the folder (`..`, encoded or not), names a hidden file or
 *   is not a file answers 404; a malformed escape 400;
 * - when the console has not been built, every console path answers 503 with a
 *   one-line page saying how to build it (checked on each request: a build made
 *   while the server runs is served at once).
 * Returns false for paths outside `/console`, which it leaves to the caller.
 */
export function createConsoleFiles(options: ConsoleFilesOptions = {}): (request: Request, response: Response) => boolean {
  const root = resolve(options.dir ?? defaultConsoleDir);
  return (request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    if (path !== consolePath && !path.startsWith(`${consolePath}/`)) return false;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      response.end("method not allowed\n");
      return true;
    }
    if (path === consolePath) {
      response.writeHead(301, { location: `${consolePath}/`, "cache-control": "no-cache" });
      response.end();
      return true;
    }
    if (!isFile(join(root, "index.html"))) {
      sendText(response, 503, "text/html; charset=utf-8", `<!doctype html><meta charset="utf-8"><title>Annals console</title><p>${consoleNotBuilt}</p>\n`);
      return true;
    }
    const relative = safeRelativePath(path.slice(consolePath.length + 1));
    if (relative === "bad-escape") {
      sendText(response, 400, "text/plain; charset=utf-8", "malformed path\n");
      return true;
    }
    const file = relative === undefined ? undefined : join(root, relative === "" ? "index.html" : relative);
    const stats = file === undefined || !(file === root || file.startsWith(root + sep)) ? undefined : statOf(file);
    if (!stats?.isFile()) {
      sendText(response, 404, "text/plain; charset=utf-8", "not found\n");
      return true;
    }
    const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
    const type = contentTypes[extname(file!).toLowerCase()] ?? "application/octet-stream";
    const headers: Record<string, string> = {
      "content-type": type,
      "cache-control": relative!.startsWith("assets/") ? immutable : "no-cache",
      etag,
      "x-content-type-options": "nosniff",
    };
    if (type.startsWith("text/html")) headers["content-security-policy"] = pagePolicy;
    if (request.headers["if-none-match"] === etag) {
      response.writeHead(304, headers);
      response.end();
      return true;
    }
    headers["content-length"] = String(stats.size);
    response.writeHead(200, headers);
    if (request.method === "HEAD") {
      response.end();
      return true;
    }
    createReadStream(file!)
      .on("error", () => response.destroy())
      .pipe(response as NodeJS.WritableStream);
    return true;
  };
}

/**
 * The path below `/console/`, decoded, as segments joined by `/`; `undefined` when
 * it could leave the folder or names a hidden file; `bad-escape` when it cannot be decoded.
 */
export function safeRelativePath(encoded: string): string | undefined | "bad-escape" {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return "bad-escape";
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/");
  if (segments.some((segment, index) => (segment === "" && index < segments.length - 1) || segment.startsWith("."))) return undefined;
  return decoded;
}

function statOf(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function isFile(file: string): boolean {
  return statOf(file)?.isFile() ?? false;
}

function sendText(response: Response, status: number, contentType: string, body: string) {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  response.end(body);
}
