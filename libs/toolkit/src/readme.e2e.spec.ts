import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "@annals/server/testing";

const here = fileURLToPath(new URL("./", import.meta.url));
const root = fileURLToPath(new URL("../../../", import.meta.url));

// The README's "your own domain in 50 lines" runs against a real server, so the guide stays true.
describe("the toolkit README", () => {
  let server: TestServer;
  const folder = mkdtempSync(join(tmpdir(), "annals-toolkit-readme-"));
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("runs the cart service of the guide and prints what its comment says", async () => {
    const readme = readFileSync(join(here, "../README.md"), "utf8");
    const snippet = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(snippet.split("\n").filter((line) => line.trim() !== "").length).toBeLessThanOrEqual(50);
    const file = join(here, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, snippet.replaceAll("http://127.0.0.1:50051", server.url).replaceAll("./data/carts.db", join(folder, "carts.db")));
    try {
      const { stdout } = await promisify(execFile)(`${root}node_modules/.bin/tsx`, [file], { cwd: root });
      expect(stdout.trim()).toBe("3n true 15");
    } finally {
      rmSync(file, { force: true });
    }
  });
});
