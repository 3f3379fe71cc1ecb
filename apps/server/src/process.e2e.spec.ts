import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAnnalsClient, type AppendResult } from "@annals/sdk";
import { openEventStore } from "@annals/store";
import { runServerEntry, startServerProcess, type ServerProcess } from "./testing/server-process.js";

const raw = () => ({ type: "test.Happened", data: new Uint8Array([7]) });

async function storedEvents(database: string): Promise<Array<{ stream: string; revision: number }>> {
  const store = await openEventStore({ database });
  try {
    const all: Array<{ stream: string; revision: number }> = [];
    for await (const page of store.readAll()) all.push(...page.map((event) => ({ stream: event.stream, revision: event.revision })));
    return all;
  } finally {
    await store.close();
  }
}

describe("the server as a process", () => {
  const folders: string[] = [];
  const processes: ServerProcess[] = [];
  const database = () => {
    const folder = mkdtempSync(join(tmpdir(), "annals-process-"));
    folders.push(folder);
    return join(folder, "annals.db");
  };
  afterEach(() => {
    for (const server of processes.splice(0)) server.child.kill("SIGKILL");
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it("logs one ready line with its address, and drains in-flight appends on SIGTERM", async () => {
    const db = database();
    const server = await startServerProcess(["--port", "0", "--db", db]);
    processes.push(server);
    const ready = server.lines.map((line) => JSON.parse(line) as { msg: string; url?: string }).filter((entry) => entry.url);
    expect(ready).toHaveLength(1);
    expect(ready[0]!.msg).toContain(`:${server.port}`);

    const client = createAnnalsClient({ baseUrl: server.url });
    const acknowledged: AppendResult[] = [];
    const appends = Array.from({ length: 300 }, (_, index) =>
      client.appendToStream(`drain-${index % 10}`, [raw()]).then((result) => {
        acknowledged.push(result);
        return result;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    server.child.kill("SIGTERM");
    const outcomes = await Promise.allSettled(appends);
    client.close();
    expect(await server.exited).toBe(0);
    // Every acknowledged append is stored; nothing is stored twice.
    const stored = await storedEvents(db);
    expect(stored.length).toBe(acknowledged.length);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled").length).toBe(acknowledged.length);
  });

  it("loses nothing it acknowledged when killed with SIGKILL", async () => {
    const db = database();
    const server = await startServerProcess(["--port", "0", "--db", db]);
    processes.push(server);
    const client = createAnnalsClient({ baseUrl: server.url });
    const acknowledged = new Set<string>();
    let stop = false;
    const writers = Array.from({ length: 16 }, (_, writer) =>
      (async () => {
        for (let round = 0; !stop && round < 10_000; round += 1) {
          const id = randomUUID();
          try {
            await client.appendToStream(`kill-${writer}`, [{ ...raw(), id }]);
            acknowledged.add(id);
          } catch {
            return;
          }
        }
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    server.child.kill("SIGKILL");
    stop = true;
    await Promise.all(writers);
    client.close();
    expect(acknowledged.size).toBeGreaterThan(50);

    const restarted = await startServerProcess(["--port", "0", "--db", db]);
    processes.push(restarted);
    const reader = createAnnalsClient({ baseUrl: restarted.url });
    const found = new Set<string>();
    for await (const event of reader.readAll()) found.add(event.id);
    reader.close();
    for (const id of acknowledged) expect(found.has(id)).toBe(true);
    restarted.child.kill("SIGTERM");
    expect(await restarted.exited).toBe(0);
  });

  it("refuses a bad setting at start-up with one clear line and exit code 2", async () => {
    const badPort = await runServerEntry(["--port", "abc"]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr.trim()).toBe('annals: port (from --port): "abc" is not an integer');
    const badEnv = await runServerEntry([], { ANNALS_SQLITE_DRIVER: "postgres" });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain("sqliteDriver (from ANNALS_SQLITE_DRIVER)");
    const unknownFlag = await runServerEntry(["--nope"]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });
});
