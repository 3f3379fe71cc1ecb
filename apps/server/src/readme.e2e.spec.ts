import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const readme = readFileSync(`${root}README.md`, "utf8");
const run = promisify(execFile);

/** The fenced blocks of one language in the README, in order. */
function blocks(language: string): string[] {
  return [...readme.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!);
}

// The README's examples run against a real server, so the README stays true.
describe("README examples", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("the curl examples answer what the README says", async () => {
    const shell = blocks("sh").find((block) => block.includes("curl"))!;
    const commands = shell.split(/\n(?=curl )/).map((command) => command.trim());
    expect(commands).toHaveLength(2);
    for (const command of commands) {
      const [invocation, expected] = command.split(/\n# /);
      const { stdout } = await run("bash", ["-c", invocation!.replaceAll("http://127.0.0.1:50051", server.url)]);
      // Commit times differ from run to run: any ISO time stands for the one shown.
      const anyTime = (text: string) => text.replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"');
      expect(JSON.parse(anyTime(stdout))).toEqual(JSON.parse(anyTime(expected!)));
    }
  });

  it("the SDK example runs and prints what its comments say", async () => {
    // From the sources here; tools/packaging runs it with plain node from the packed tarballs.
    const snippet = blocks("js").find((block) => block.includes("createAnnalsClient"))!;
    const printed = [...snippet.matchAll(/console\.log\(.*\);? \/\/ (.*)$/gm)].map((match) => match[1]!);
    const file = `${root}apps/server/src/.readme-example-${process.pid}.mjs`;
    writeFileSync(file, snippet);
    try {
      const { stdout } = await run(`${root}node_modules/.bin/tsx`, [file], { cwd: root, env: { ...process.env, ANNALS_URL: server.url } });
      expect(stdout.trim().split("\n")).toEqual(printed);
      expect(printed).toHaveLength(3);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
