import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AnnalsError, Code, createAnnalsClient } from "@annals/sdk";
import { openEventStore } from "@annals/store";
import { startServerProcess, type ServerProcess } from "./testing/server-process.js";

// A real full disk: a 24 MiB tmpfs mounted for the test (root only; CI runs as root).
const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)("a full disk under a SQLite database", () => {
  const mount = mkdtempSync(join(tmpdir(), "annals-full-"));
  let server: ServerProcess | undefined;
  afterAll(() => {
    server?.child.kill("SIGKILL");
    try {
      execFileSync("umount", ["-l", mount]);
    } catch {
      // not mounted
    }
    rmSync(mount, { recursive: true, force: true });
  });

  it("refuses appends with RESOURCE_EXHAUSTED, keeps serving reads, keeps the file intact, and appends again once there is room", async () => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mount]);
    const db = join(mount, "annals.db");
    server = await startServerProcess(["--port", "0", "--db", db]);
    const client = createAnnalsClient({ baseUrl: server.url });
    const acknowledged: bigint[] = [];
    try {
      // Fill most of the disk with a file of our own, then append until the database cannot grow.
      writeFileSync(join(mount, "filler"), Buffer.alloc(16 * 1024 * 1024));
      let refusal: AnnalsError | undefined;
      for (let index = 0; index < 2_000 && refusal === undefined; index += 1) {
        try {
          acknowledged.push((await client.appendToStream(`fill-${index % 10}`, [{ type: "t.Fill", data: new Uint8Array(64 * 1024).fill(index % 251) }])).position);
        } catch (error) {
          if (!(error instanceof AnnalsError)) throw error;
          refusal = error;
        }
      }
      expect(refusal?.code).toBe(Code.ResourceExhausted);
      expect(refusal?.message).toMatch(/room|full/i);
      expect(acknowledged.length).toBeGreaterThan(10);
      // Reads go on, and every acknowledged append is there.
      let count = 0;
      for await (const event of client.readAll()) {
        expect(event.data.byteLength).toBe(64 * 1024);
        count += 1;
      }
      expect(count).toBe(acknowledged.length);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      // Room again: appends resume.
      rmSync(join(mount, "filler"));
      const after = await client.appendToStream("after", [{ type: "t.Fill", data: new Uint8Array(16) }]);
      expect(after.position).toBe(acknowledged[acknowledged.length - 1]! + 1n);
    } finally {
      client.close();
      server.child.kill("SIGTERM");
      await server.exited;
      server = undefined;
    }
    // The file is intact: it opens, passes SQLite's integrity check, and holds every acknowledged event.
    const store = await openEventStore({ database: db });
    try {
      expect(await store.headPosition()).toBe(Number(acknowledged[acknowledged.length - 1]!) + 1);
    } finally {
      await store.close();
    }
    const check = execFileSync(process.execPath, ["-e", `const db = require("better-sqlite3")(${JSON.stringify(db)}); console.log(db.pragma("integrity_check", { simple: true }));`], { cwd: process.cwd() }).toString().trim();
    expect(check).toBe("ok");
  });
});
