import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server.js";
import { consoleNotBuilt } from "./console-files.js";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP/1.1 request: the path goes out exactly as given (fetch would normalise `..`). */
function get(url: string, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: target.hostname, port: target.port, path, method, headers }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("the console's files, served by the server", () => {
  const folder = mkdtempSync(join(tmpdir(), "annals-console-files-"));
  const built = join(folder, "dist");
  const secret = join(folder, "secret.txt");
  let test: TestServer;
  let unbuilt: TestServer;
  let disabled: TestServer;

  beforeAll(async () => {
    mkdirSync(join(built, "assets"), { recursive: true });
    writeFileSync(join(built, "index.html"), '<!doctype html><script type="module" src="/console/assets/index-AbC123.js"></script>');
    writeFileSync(join(built, "assets", "index-AbC123.js"), "console.log('console');");
    writeFileSync(join(built, "assets", "index-AbC123.css"), "body{}");
    writeFileSync(join(built, "favicon.svg"), "<svg/>");
    writeFileSync(join(built, ".env"), "hidden");
    writeFileSync(secret, "outside the console folder");
    [test, unbuilt, disabled] = await Promise.all([
      startTestServer({ server: { console: built } }),
      startTestServer({ server: { console: join(folder, "never-built") } }),
      startTestServer({ server: { console: false } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([test.stop(), unbuilt.stop(), disabled.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  it("redirects / and /console to /console/, which answers index.html, revalidated", async () => {
    expect(await get(test.url, "/")).toMatchObject({ status: 302, headers: { location: "/console/" } });
    expect(await get(test.url, "/console")).toMatchObject({ status: 301, headers: { location: "/console/" } });
    const page = await get(test.url, "/console/");
    expect(page).toMatchObject({ status: 200, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", "x-content-type-options": "nosniff" } });
    expect(page.body).toContain("index-AbC123.js");
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    // Revalidation with the ETag costs no body.
    expect(await get(test.url, "/console/", { "if-none-match": page.headers.etag! })).toMatchObject({ status: 304, body: "" });
    expect(await get(test.url, "/console/index.html", {}, "HEAD")).toMatchObject({ status: 200, body: "", headers: { "content-length": String(page.body.length) } });
  });

  it("gives each file its content type, and caches the hashed assets for good", async () => {
    expect(await get(test.url, "/console/assets/index-AbC123.js")).toMatchObject({
      status: 200,
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=31536000, immutable" },
      body: "console.log('console');",
    });
    expect((await get(test.url, "/console/assets/index-AbC123.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(await get(test.url, "/console/favicon.svg")).toMatchObject({ headers: { "content-type": "image/svg+xml", "cache-control": "no-cache" } });
  });

  it("never leaves its folder, nor serves hidden files or folders", async () => {
    for (const path of [
      "/console/../secret.txt",
      "/console/%2e%2e/secret.txt",
      "/console/assets/..%2f..%2fsecret.txt",
      "/console/assets%2f..%2f..%2fsecret.txt",
      "/console/..%5csecret.txt",
      "/console//etc/passwd",
      "/console/%2fetc%2fpasswd",
      "/console/.env",
      "/console/assets/",
      "/console/nothing-here.js",
      "/console/index.html%00.js",
    ]) {
      const answer = await get(test.url, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).not.toContain("outside");
    }
    expect((await get(test.url, "/console/%E0%A4%A")).status).toBe(400);
    expect((await get(test.url, "/console/", {}, "DELETE")).status).toBe(405);
  });

  it("answers a clear 503 while the console is not built, and the RPCs and /metrics still work", async () => {
    const answer = await get(unbuilt.url, "/console/");
    expect(answer.status).toBe(503);
    expect(answer.body).toContain(consoleNotBuilt);
    expect((await get(unbuilt.url, "/console/assets/index-AbC123.js")).status).toBe(503);
    expect((await get(unbuilt.url, "/readyz")).status).toBe(200);
    expect((await get(unbuilt.url, "/metrics")).body).toMatch(/^annals_server_info\{version="\d+\.\d+\.\d+",backend="sqlite \(better-sqlite3\)"\} 1$/m);
  });

  it("serves nothing with the console off: / and /console are not found", async () => {
    expect((await get(disabled.url, "/")).status).toBe(404);
    expect((await get(disabled.url, "/console/")).status).toBe(404);
  });
});
