import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { build } from "esbuild";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient } from "@annals/sdk";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { openEventStore } from "@annals/store";
import { createConsumerProject, installedPackage, pack, pinnedVersion, root, userEnv, type Tarball } from "./consumer-project.js";
import { descendants, isRunning, type ProcessInfo } from "./process-tree.js";
import { startSameOriginServer } from "./same-origin-server.js";

// What users get, tried as they would try it: the packages packed and installed in a
// project of its own, and the server started with `npm start`. One file on purpose:
// `npm pack` and `npm start` both build through Nx, and two builds at once would
// write the same dist/ folders.

const run = promisify(execFile);
const readme = readFileSync(join(root, "README.md"), "utf8");
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** The README's SDK script (the js block that creates a client). */
function readmeScript(): string {
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!).find((text) => text.includes("createAnnalsClient"));
  if (!block) throw new Error("README.md has no js block with createAnnalsClient");
  return block;
}

/** What a script's `console.log(...); // output` comments say it prints. */
function promisedOutput(script: string): string[] {
  return [...script.matchAll(/console\.log\(.*\);? \/\/ (.*)$/gm)].map((match) => match[1]!);
}

describe("the SDK and protocol packages, installed from their tarballs in a project of their own", () => {
  let work: string;
  let tarballs: Tarball[];
  let project: string;
  let server: TestServer;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "annals-pack-"));
    const started = performance.now();
    tarballs = await pack(["@annals/protocol", "@annals/sdk"], join(work, "tarballs"));
    const packed = seconds(started);
    project = await createConsumerProject([
      ...tarballs.map((tarball) => tarball.path),
      `@bufbuild/protobuf@${pinnedVersion("@bufbuild/protobuf")}`,
      `@types/node@${pinnedVersion("@types/node")}`, // for the TypeScript check below
    ]);
    console.log(
      `packed in ${packed} s (${tarballs.map((tarball) => `${tarball.name}: ${(tarball.bytes / 1024).toFixed(1)} KiB, ${tarball.files} files`).join("; ")}), installed in ${seconds(started)} s in all`,
    );
    server = await startTestServer();
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("packs both, each with its ESM build, declarations and license, and nothing of the tests", () => {
    expect(tarballs.map((tarball) => tarball.name).sort()).toEqual(["annals-protocol-0.1.0.tgz", "annals-sdk-0.1.0.tgz"]);
    const sdk = JSON.parse(readFileSync(join(installedPackage(project, "@annals/sdk"), "package.json"), "utf8")) as Record<string, unknown>;
    expect(sdk).toMatchObject({ license: "Apache-2.0", type: "module", sideEffects: false });
    expect(sdk).not.toHaveProperty("private");
    for (const file of ["dist/index.js", "dist/index.d.ts", "dist/browser.js", "dist/browser.d.ts"]) {
      expect(() => readFileSync(join(project, "node_modules/@annals/sdk", file))).not.toThrow();
    }
    expect(() => readFileSync(join(project, "node_modules/@annals/protocol/dist/bank.js"))).not.toThrow();
    expect(() => readFileSync(join(project, "node_modules/@annals/sdk/src/uuid.unit.spec.ts"))).toThrow();
    // The Connect packages the SDK brings are one version.
    const versions = ["connect", "connect-node", "connect-web"].map(
      (name) => (JSON.parse(readFileSync(join(installedPackage(project, `@connectrpc/${name}`), "package.json"), "utf8")) as { version: string }).version,
    );
    expect(new Set(versions).size).toBe(1);
  });

  it("runs the README's SDK script with plain node: append, read, subscribe live, a typed conflict", async () => {
    const started = performance.now();
    const script = readmeScript();
    writeFileSync(join(project, "quickstart.mjs"), script);
    const { stdout, stderr } = await run(process.execPath, ["quickstart.mjs"], { cwd: project, env: userEnv({ ANNALS_URL: server.url }), timeout: 30_000 });
    expect(stderr).toBe("");
    expect(stdout.trim().split("\n")).toEqual(promisedOutput(script));
    expect(promisedOutput(script)).toEqual(["0n 50.00", "live 1n 25.00", "7n 1n"]);
    // It ran the installed copy, not the workspace's.
    const { stdout: resolved } = await run(process.execPath, ["--input-type=module", "-e", 'console.log(import.meta.resolve("@annals/sdk"))'], { cwd: project, env: userEnv() });
    expect(resolved.trim()).toBe(`file://${project}/node_modules/@annals/sdk/dist/index.js`);
    console.log(`README script ran in ${seconds(started)} s`);
  });

  it("type-checks for TypeScript users: the README script with NodeNext, a browser file with bundler resolution", async () => {
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    /** Runs tsc on `file` with `options` (strict); tsc reports on stdout, so a failure shows what it said. */
    const check = async (file: string, options: Record<string, unknown>) => {
      const config = `tsconfig.${file}.json`;
      writeFileSync(join(project, config), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, target: "es2022", ...options }, files: [file] }));
      await run(process.execPath, [tsc, "-p", config], { cwd: project }).catch((error: { stdout?: string }) => {
        throw new Error(`tsc -p ${config}:\n${error.stdout}`);
      });
    };
    writeFileSync(join(project, "quickstart.ts"), readmeScript());
    await check("quickstart.ts", { module: "nodenext", types: ["node"] });
    writeFileSync(
      join(project, "page-check.ts"),
      [
        'import { createAnnalsClient, type AnnalsClientOptions } from "@annals/sdk";',
        'const options: AnnalsClientOptions = { baseUrl: "/", protocol: "grpc-web" };',
        "// @ts-expect-error browsers cannot speak plain gRPC: the browser types say so",
        'const grpc: AnnalsClientOptions = { baseUrl: "/", protocol: "grpc" };',
        "export const client = createAnnalsClient(options);",
        "export { grpc };",
      ].join("\n"),
    );
    await check("page-check.ts", { module: "esnext", moduleResolution: "bundler", lib: ["es2022", "dom"], types: [] });
  });

  it("runs in headless Chromium from a page bundled with esbuild, over Connect and gRPC-Web", async () => {
    const started = performance.now();
    copyFileSync(join(root, "tools/packaging/consumer/page.js"), join(project, "page.js"));
    const bundle = await build({
      absWorkingDir: project,
      entryPoints: ["page.js"],
      bundle: true,
      platform: "browser",
      format: "esm",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(bundle.metafile.inputs);
    // Everything came from the installed packages: nothing from the workspace, no Node transport.
    expect(inputs.filter((input) => input !== "page.js" && !input.startsWith("node_modules/"))).toEqual([]);
    expect(inputs.some((input) => input.startsWith("node_modules/@annals/sdk/dist/browser"))).toBe(true);
    expect(inputs.filter((input) => input.includes("connect-node"))).toEqual([]);
    const code = bundle.outputFiles[0]!.contents;

    const site = await startSameOriginServer(
      {
        "/": { type: "text/html", body: '<!doctype html><meta charset="utf-8"><title>annals</title><script type="module" src="/page.js"></script>' },
        "/page.js": { type: "text/javascript", body: code },
        "/favicon.ico": { type: "image/x-icon", body: "" },
      },
      server.url,
    );
    const profile = mkdtempSync(join(tmpdir(), "annals-chromium-"));
    let context: BrowserContext | undefined;
    const problems: string[] = [];
    try {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: "/usr/bin/chromium",
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      const page = context.pages()[0] ?? (await context.newPage());
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("console", (message) => {
        // Chrome logs each answer with an HTTP error status (a Connect conflict is a 400): the results below say what happened.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(`console: ${message.text()}`);
      });
      await page.goto(site.url);
      await page.waitForFunction(() => typeof (globalThis as { exercise?: unknown }).exercise === "function", undefined, { timeout: 15_000 });
      const reader = createAnnalsClient({ baseUrl: server.url });
      try {
        for (const protocol of ["connect", "grpc-web"]) {
          const result = await page.evaluate(
            (chosen) => (globalThis as unknown as { exercise(protocol: string): Promise<Record<string, unknown>> }).exercise(chosen),
            protocol,
          );
          expect(result, `${protocol}: ${problems.join("\n")}`).toEqual({
            stream: expect.stringMatching(new RegExp(`^browser-${protocol}-`)),
            revision: "1",
            read: ["0 10.00", "1 20.00"],
            followed: "2 30.00",
            conflict: { name: "WrongExpectedRevisionError", code: 9, stream: result.stream, expected: "0", actual: "2" },
            secureContext: true,
          });
          // The server holds what the page appended.
          const stored = [];
          for await (const event of reader.readStream(result.stream as string)) stored.push(`${event.revision} ${event.type}`);
          expect(stored).toEqual(["0 annals.bank.v1.MoneyDeposited", "1 annals.bank.v1.MoneyDeposited", "2 annals.bank.v1.MoneyDeposited"]);
        }
      } finally {
        reader.close();
      }
      expect(problems).toEqual([]);
    } finally {
      await context?.close();
      await site.close();
      rmSync(profile, { recursive: true, force: true });
    }
    console.log(`browser test (bundle ${(code.byteLength / 1024).toFixed(1)} KiB minified) ran in ${seconds(started)} s`);
  });
});

interface StartedByNpm {
  npm: ReturnType<typeof spawn>;
  lines: string[];
  url: string;
  /** The processes below npm once the server was ready. */
  tree: ProcessInfo[];
  exited: Promise<number | string>;
}

/** `promise`, or a rejection saying what did not happen within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `npm start -- <args>` in the repository, as a user types it; resolves at the server's ready line. */
async function npmStart(args: string[]): Promise<StartedByNpm> {
  const npm = spawn("npm", ["start", "--", ...args], { cwd: root, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const exited = new Promise<number | string>((resolve) => npm.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  createInterface({ input: npm.stderr! }).on("line", (line) => lines.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start: no ready line in 240 s:\n${lines.join("\n")}`)), 240_000);
    createInterface({ input: npm.stdout! }).on("line", (line) => {
      lines.push(line);
      if (!line.startsWith("{")) return;
      const entry = JSON.parse(line) as { url?: string };
      if (entry.url) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before the server was ready:\n${lines.join("\n")}`));
    });
  });
  return { npm, lines, url, tree: descendants(npm.pid!), exited };
}

describe("npm start, the production start", () => {
  const folders: string[] = [];
  const started: StartedByNpm[] = [];
  const database = () => {
    const folder = mkdtempSync(join(tmpdir(), "annals-npm-start-"));
    folders.push(folder);
    return join(folder, "annals.db");
  };
  afterAll(() => {
    // Leave nothing running behind a failed test (an orphaned server too): each process by its id.
    for (const { npm, tree } of started) {
      for (const child of tree) if (isRunning(child.pid, child.command)) process.kill(child.pid, "SIGKILL");
      npm.kill("SIGKILL");
    }
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it("runs the compiled server with node; SIGTERM to npm drains in-flight appends, stops the server and exits 0", async () => {
    const db = database();
    const begun = performance.now();
    const start = await npmStart(["--port", "0", "--host", "127.0.0.1", "--db", db]);
    started.push(start);
    console.log(`npm start ready in ${seconds(begun)} s (build included)`);
    const [serverProcess, ...others] = start.tree;
    expect(others).toEqual([]);
    expect(serverProcess!.command).toBe(`node apps/server/dist/main.js --port 0 --host 127.0.0.1 --db ${db}`);

    const client = createAnnalsClient({ baseUrl: start.url });
    const acknowledged: string[] = [];
    let signalledAt = Number.POSITIVE_INFINITY;
    let finishedAfterSignal = 0;
    let stop = false;
    const writers = Array.from({ length: 16 }, (_, writer) =>
      (async () => {
        for (let round = 0; !stop; round += 1) {
          const id = crypto.randomUUID();
          const sentAt = performance.now();
          try {
            await client.appendToStream(`npm-start-${writer}`, [{ id, type: "test.Happened", data: new Uint8Array([round % 256]) }]);
          } catch {
            return; // refused once the server stopped accepting
          }
          acknowledged.push(id);
          if (sentAt < signalledAt && performance.now() > signalledAt) finishedAfterSignal += 1;
        }
      })(),
    );
    while (acknowledged.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    signalledAt = performance.now();
    start.npm.kill("SIGTERM");
    expect(await within(start.exited, 30_000, "npm exits after SIGTERM")).toBe(0);
    stop = true;
    await Promise.all(writers);
    client.close();

    expect(isRunning(serverProcess!.pid)).toBe(false);
    expect(start.lines.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
    // Appends in flight when the signal came were finished, and every acknowledged one is stored.
    expect(finishedAfterSignal).toBeGreaterThan(0);
    const store = await openEventStore({ database: db });
    try {
      const stored = new Set<string>();
      for await (const page of store.readAll()) for (const event of page) stored.add(event.id);
      expect(stored.size).toBe(acknowledged.length);
      for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    } finally {
      await store.close();
    }
  }, 300_000);

  it("serves the web console it built; SIGINT to npm (Ctrl-C) stops the server too, with exit code 0", async () => {
    const start = await npmStart(["--port", "0", "--host", "127.0.0.1", "--db", database()]);
    started.push(start);
    const [serverProcess] = start.tree;
    // npm start's build includes the console (apps/console/dist), and / leads to it.
    const page = await fetch(`${start.url}/`);
    expect(page.url).toBe(`${start.url}/console/`);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const script = (await page.text()).match(/src="(\/console\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${start.url}${script}`);
    expect([asset.status, asset.headers.get("content-type"), asset.headers.get("cache-control")]).toEqual([200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"]);
    start.npm.kill("SIGINT");
    expect(await within(start.exited, 30_000, "npm exits after SIGINT")).toBe(0);
    expect(isRunning(serverProcess!.pid)).toBe(false);
  }, 300_000);
});
