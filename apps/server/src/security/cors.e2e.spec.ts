import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { createAuthenticator } from "./authenticator.js";
import { preflightMaxAgeS } from "./cors.js";
import { createTestCredentials, type TestCredentials } from "../testing/credentials.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

/** Serves the page and its script from its own port: another origin than the server's. */
async function startPageServer(script: Uint8Array): Promise<{ url: string; close(): Promise<void> }> {
  const site = http.createServer((request, response) => {
    if (request.url === "/page.js") {
      response.writeHead(200, { "content-type": "text/javascript" });
      response.end(script);
    } else if (request.url === "/") {
      response.writeHead(200, { "content-type": "text/html" });
      response.end('<!doctype html><meta charset="utf-8"><title>other origin</title><script type="module" src="/page.js"></script>');
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(site.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => site.close(() => resolve())),
  };
}

describe("CORS: a page of another origin in Chromium", () => {
  let server: TestServer;
  let credentials: TestCredentials;
  let page: { url: string; close(): Promise<void> };
  let context: BrowserContext | undefined;
  const profile = mkdtempSync(join(tmpdir(), "annals-cors-chromium-"));

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL("./testing/cors-page.ts", import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "esm",
      conditions: ["@annals/source"],
      write: false,
      logLevel: "silent",
    });
    page = await startPageServer(bundle.outputFiles[0]!.contents);
    credentials = await createTestCredentials({ web: { grants: { read: ["web-"], write: ["web-"] } } });
    server = await startTestServer({ server: { corsOrigins: [page.url], authenticator: await createAuthenticator({ apiKeysFile: credentials.apiKeysFile }) } });
  });
  afterAll(async () => {
    await context?.close();
    await server.stop();
    await page.close();
    credentials.remove();
    rmSync(profile, { recursive: true, force: true });
  });

  it("answers a listed origin's preflight with the Connect headers, cached; an unlisted one gets none", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/annals.eventstore.v1.EventStore/Append`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, connect-protocol-version" },
      });
    const listed = await preflight(page.url);
    expect(listed.status).toBe(204);
    expect(listed.headers.get("access-control-allow-origin")).toBe(page.url);
    expect(listed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(listed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-grpc-web");
    expect(listed.headers.get("access-control-max-age")).toBe(String(preflightMaxAgeS));
    const other = await preflight("http://127.0.0.1:1");
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves Append, ReadStream and a live Subscribe over Connect and gRPC-Web with a token, and refuses the page without one", async () => {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const tab = context.pages()[0] ?? (await context.newPage());
    await tab.goto(page.url);
    await tab.waitForFunction(() => typeof (globalThis as { exercise?: unknown }).exercise === "function", undefined, { timeout: 15_000 });
    const exercise = (protocol: string, token: string | undefined) =>
      tab.evaluate(
        ([baseUrl, chosen, bearer]) => (globalThis as unknown as { exercise(url: string, protocol: string, token: string | undefined): Promise<Record<string, unknown>> }).exercise(baseUrl!, chosen!, bearer),
        [server.url, protocol, token] as const,
      );
    for (const protocol of ["connect", "grpc-web"]) {
      const result = await exercise(protocol, credentials.apiKey("web"));
      expect(result, protocol).toEqual({ stream: expect.stringMatching(/^web-/), revision: "0", read: ['0 {"amount":"10"}'], followed: "1" });
      const refused = await exercise(protocol, undefined);
      expect(refused, protocol).toMatchObject({ code: Code.Unauthenticated });
      expect(await server.store.getStream(refused.stream as string)).toBeUndefined();
    }
  });
});
