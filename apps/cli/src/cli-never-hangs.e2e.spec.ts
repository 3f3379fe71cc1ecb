import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient } from "@annals/sdk";
import { settings } from "@annals/server/config";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { annals, annalsLive, until, type LiveRun } from "./testing/run-cli.js";

/** Listens on a free port of 127.0.0.1 and answers nothing useful: the port is busy. */
async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on (free a moment ago). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  const port = await listening(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function close(server: net.Server | http2.Http2SecureServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Every command that calls the server, with arguments that are fine on their own. */
const callingCommands: string[][] = [
  ["read", "some-stream"],
  ["streams"],
  ["append", "some-stream"],
  ["export"],
  ["import"],
  ["tail"],
];
const oneEvent = '{"id":"7a2b5d4e-1c3f-4a5b-8c6d-7e8f9a0b1c2d","stream":"some-stream","revision":0,"type":"t.T","data":""}\n';

describe("the annals CLI never hangs", () => {
  let folder: string;
  let test: TestServer;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "annals-cli-hang-"));
    test = await startTestServer();
  });
  afterAll(async () => {
    await test.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("serve on a busy port exits 1 with one line, and creates no database", async () => {
    const busy = net.createServer();
    const port = await listening(busy);
    try {
      const database = join(folder, "never", "annals.db");
      const run = await annals(["serve", "--port", String(port), "--host", "127.0.0.1", "--db", database, "--log-format", "json"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`annals: cannot start: port ${port} on 127.0.0.1 is in use (EADDRINUSE)\n`);
      expect(existsSync(database)).toBe(false);
      expect(existsSync(join(folder, "never"))).toBe(false);
    } finally {
      await close(busy);
    }
  });

  it("serve --help lists every setting with its flag, environment variable, config key and default", async () => {
    const help = await annals(["serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).not.toMatch(/README/);
    // One line per setting in the settings section, generated from the server's table.
    const section = help.stdout.slice(help.stdout.indexOf("Settings"));
    for (const setting of settings) {
      const row = section.split("\n").find((line) => line.trimStart().startsWith(`--${setting.flag} `));
      expect(row, setting.flag).toBeDefined();
      expect(row).toContain(setting.env);
      expect(row).toContain(setting.key);
      expect(row).toContain(String(setting.default));
    }
    expect(section).toContain("ANNALS_CONFIG");
  });

  it("tail says it cannot reach the server, retries with back-off, and follows once the server is up, across a restart", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const database = join(folder, "tailed.db");
    const serve = () => annalsLive(["serve", "--port", String(port), "--host", "127.0.0.1", "--db", database, "--log-format", "json", "--shutdown-grace-ms", "500"]);
    const tail = annalsLive(["tail", "--json"], { url });
    let server: LiveRun | undefined;
    try {
      const retries = () => tail.errors.filter((line) => line.startsWith(`annals: cannot reach the server at ${url}: nothing listens there (ECONNREFUSED); retrying in `));
      await until(() => retries().length >= 3, "three retry lines");
      expect(retries()[0]).toMatch(/retrying in 0\.5 s \(attempt 1\)$/);
      expect(retries()[1]).toMatch(/retrying in 1 s \(attempt 2\)$/);
      expect(retries()[2]).toMatch(/retrying in 2 s \(attempt 3\)$/);

      server = serve();
      await until(() => tail.errors.includes(`annals: connected to the server at ${url}`), "the tail to connect", 20_000);
      const client = createAnnalsClient({ baseUrl: url });
      await client.appendToStream("tailed-1", [{ type: "test.Tailed", data: new Uint8Array([1]) }]);
      const events = () => tail.lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { position: number });
      await until(() => events().length === 1, "the first event");

      // The server goes away and comes back: the tail says so, and misses nothing.
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const before = tail.errors.length;
      await until(() => tail.errors.slice(before).some((line) => line.includes("retrying in")), "a retry line after the restart");
      server = serve();
      await until(() => tail.errors.slice(before).includes(`annals: connected to the server at ${url}`), "the tail to reconnect", 20_000);
      await client.appendToStream("tailed-1", [{ type: "test.Tailed", data: new Uint8Array([2]) }]);
      await client.appendToStream("tailed-2", [{ type: "test.Tailed", data: new Uint8Array([3]) }]);
      client.close();
      await until(() => events().length === 3, "the events after the restart");
      expect(events().map((event) => event.position)).toEqual([1, 2, 3]);
      tail.child.kill("SIGINT");
      expect(await tail.exited).toBe(0);
    } finally {
      tail.child.kill("SIGKILL");
      if (server) {
        server.child.kill("SIGTERM");
        await server.exited;
      }
    }
  }, 60_000);

  it("refuses a URL with a path, a query or credentials up front, in every command", async () => {
    const base = test.url;
    for (const args of callingCommands) {
      const run = await annals([...args, "--url", `${base}/api`], { input: oneEvent });
      expect(run.code, args[0]).toBe(2);
      expect(run.stderr, args[0]).toBe(`annals: --url: "${base}/api" must be the server's base address, without a path: ${base}\n`);
    }
    const fromEnv = await annals(["streams"], { url: `${base}?x=1` });
    expect(fromEnv).toMatchObject({ code: 2, stderr: `annals: ANNALS_URL: "${base}?x=1" must be the server's base address, without a path: ${base}\n` });
    const credentials = await annals(["streams", "--url", base.replace("http://", "http://ada:secret@")]);
    expect(credentials.code).toBe(2);
    expect(credentials.stderr).toMatch(/^annals: --url: .* must not hold a user name or password/);
    // A bare trailing slash is the base address.
    expect((await annals(["streams", "--url", `${base}/`])).code).toBe(0);
  });

  it("says plainly that a plaintext server does not speak TLS, in every command, and tail exits instead of retrying", async () => {
    const https = test.url.replace("http://", "https://");
    for (const args of callingCommands) {
      const run = await annals([...args, "--url", https], { input: oneEvent });
      expect(run.code, args[0]).toBe(1);
      expect(run.stderr, args[0]).toBe(`annals: the server at ${https} does not speak TLS: use ${test.url}\n`);
    }
  });

  it("says plainly that an address is not an Annals server: HTTP/1.1 only, or HTTP/2 without the API", async () => {
    const h1 = http.createServer((_request, response) => response.end("hello"));
    const h2 = http2.createServer((_request, response) => {
      response.writeHead(404);
      response.end();
    });
    const h1Url = `http://127.0.0.1:${await listening(h1)}`;
    const h2Url = `http://127.0.0.1:${await listening(h2)}`;
    try {
      for (const args of [["streams"], ["tail"]]) {
        const old = await annals([...args, "--url", h1Url]);
        expect(old).toMatchObject({ code: 1, stderr: `annals: the server at ${h1Url} does not speak HTTP/2 (gRPC): is this the address of an Annals server?\n` });
        const other = await annals([...args, "--url", h2Url]);
        expect(other).toMatchObject({
          code: 1,
          stderr: `annals: the server at ${h2Url} does not serve the Annals API (HTTP 404): is this the address of an Annals server?\n`,
        });
      }
    } finally {
      await close(h1);
      await close(h2);
    }
  });

  it("says plainly when a TLS server is called with http://, or presents a certificate this machine does not trust", async () => {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", join(folder, "key.pem"), "-out", join(folder, "cert.pem")], {
      stdio: "ignore",
    });
    const tls = http2.createSecureServer({ key: readFileSync(join(folder, "key.pem")), cert: readFileSync(join(folder, "cert.pem")) }, (_request, response) => response.end());
    const port = await listening(tls as unknown as net.Server);
    try {
      const plain = await annals(["streams", "--url", `http://127.0.0.1:${port}`]);
      expect(plain).toMatchObject({
        code: 1,
        stderr: `annals: the server at http://127.0.0.1:${port} closed the connection at once: if it speaks TLS, use https://127.0.0.1:${port}\n`,
      });
      const untrusted = await annals(["streams", "--url", `https://127.0.0.1:${port}`]);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toBe(
        `annals: the server at https://127.0.0.1:${port} presented a TLS certificate this machine does not trust (self-signed certificate): give its CA in NODE_EXTRA_CA_CERTS\n`,
      );
    } finally {
      await close(tls);
    }
  });
});
