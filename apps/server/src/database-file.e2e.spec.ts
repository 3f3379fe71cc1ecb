import { randomUUID } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AnnalsError, Code, createAnnalsClient } from "@annals/sdk";
import { openEventStore } from "@annals/store";
import { startServerProcess, type ServerProcess } from "./testing/server-process.js";

const folder = mkdtempSync(join(tmpdir(), "annals-file-"));
const processes: ServerProcess[] = [];
afterAll(() => {
  for (const server of processes) server.child.kill("SIGKILL");
  rmSync(folder, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<AnnalsError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof AnnalsError)) throw new Error(`expected a refusal, got ${String(outcome)}`);
  return outcome;
}

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the condition did not hold in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("a SQLite file that goes away or breaks under the server", () => {
  it("deleted: no append is acknowledged any more (UNAVAILABLE), /readyz answers 503, and the log says why", async () => {
    const db = join(folder, "deleted.db");
    const server = await startServerProcess(["--port", "0", "--db", db, "--health-probe-interval-ms", "100"]);
    processes.push(server);
    const client = createAnnalsClient({ baseUrl: server.url });
    try {
      for (let index = 0; index < 5; index += 1) await client.appendToStream("kept", [{ type: "t.A", data: new Uint8Array([index]) }]);
      for (const file of [db, `${db}-wal`, `${db}-shm`]) rmSync(file, { force: true });
      const refused = await refusal(client.appendToStream("lost", [{ type: "t.A", data: new Uint8Array() }]));
      expect(refused.code).toBe(Code.Unavailable);
      await eventually(async () => (await readyz(server.url)) === 503);
      // The log comes through the child's stdout, which the HTTP answer can overtake.
      await eventually(() => Promise.resolve(/NOT_SERVING.*removed/.test(server.lines.join("\n"))));
      expect(server.lines.join("\n")).toMatch(/NOT_SERVING.*removed/);
      // Every later append is refused too: none is acknowledged into the deleted file.
      for (let index = 0; index < 10; index += 1) expect((await refusal(client.appendToStream("lost", [{ type: "t.A", data: new Uint8Array() }]))).code).toBe(Code.Unavailable);
    } finally {
      client.close();
    }
  });

  it("damaged: a read that meets the damage answers UNAVAILABLE, not INTERNAL, and the server turns unready", async () => {
    const db = join(folder, "damaged.db");
    const store = await openEventStore({ database: db });
    for (let index = 0; index < 40; index += 1) {
      await store.appendToStream(`s-${index}`, Array.from({ length: 100 }, () => ({ id: randomUUID(), type: "t.Filler", data: new Uint8Array(200).fill(index) })));
    }
    await store.close();
    // Garbage over the middle of the file: pages of the events table, not read until asked for.
    const size = statSync(db).size;
    const handle = openSync(db, "r+");
    writeSync(handle, Buffer.alloc(64 * 1024, 0xa5), 0, 64 * 1024, Math.floor(size / 2 / 4096) * 4096);
    closeSync(handle);
    const server = await startServerProcess(["--port", "0", "--db", db, "--health-probe-interval-ms", "100"]);
    processes.push(server);
    const client = createAnnalsClient({ baseUrl: server.url });
    try {
      const failure = await (async () => {
        for await (const _event of client.readAll()) void _event;
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(AnnalsError);
      expect((failure as AnnalsError).code).toBe(Code.Unavailable);
      await eventually(async () => (await readyz(server.url)) === 503);
      await eventually(() => Promise.resolve(/NOT_SERVING.*damaged/.test(server.lines.join("\n"))));
      expect(server.lines.join("\n")).toMatch(/NOT_SERVING.*damaged/);
    } finally {
      client.close();
    }
  });
});
