import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const sdk = `${root}libs/sdk-python`;
// Debian's interpreter, with python3-grpcio and python3-protobuf (tools/setup/system-packages.sh).
const python = "/usr/bin/python3";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs Debian's Python with the SDK on its path; resolves with the exit code and output, whatever they are. */
function runPython(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      args,
      { cwd: root, timeout: 50_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PYTHONPATH: sdk, PYTHONDONTWRITEBYTECODE: "1", ...env } },
      (error, stdout, stderr) => {
        // A string code (ENOENT...): Python could not start. A timeout kills it: code null.
        if (typeof error?.code === "string") reject(error);
        else resolve({ code: error ? (error.code ?? null) : 0, stdout, stderr });
      },
    );
  });
}

/** host:port of an http:// URL, the form gRPC targets take. */
function target(url: string): string {
  return new URL(url).host;
}

describe("the Python SDK (libs/sdk-python) against a real server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("passes its unittest suite", async () => {
    const run = await runPython(["-m", "unittest", "discover", "-v", "-s", `${sdk}/tests`], { ANNALS_TEST_TARGET: target(server.url) });
    // unittest reports per test on stderr; show it when anything failed.
    expect(run.code, run.stderr).toBe(0);
    const ran = Number(/^Ran (\d+) tests?/m.exec(run.stderr)?.[1] ?? 0);
    expect(ran, run.stderr).toBeGreaterThanOrEqual(19);
    expect(run.stderr).toMatch(/^OK$/m);
  });

  // Each `print(...)  # text` of an example says what it prints.
  it.each(["README.md", "libs/sdk-python/README.md"])("runs the Python examples of %s, which print what their comments say", async (file) => {
    const readme = readFileSync(`${root}${file}`, "utf8");
    const snippets = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((match) => match[1]!);
    expect(snippets.length).toBeGreaterThan(0);
    for (const snippet of snippets) {
      const expected = [...snippet.matchAll(/print\(.*# (.+)$/gm)].map((match) => match[1]!.trim());
      expect(expected.length).toBeGreaterThan(0);
      const run = await runPython(["-c", snippet.replaceAll("127.0.0.1:50051", target(server.url))]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split("\n")).toEqual(expected);
    }
  });
});
