import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../errors.js";
import type { EventStore, RecordedEvent } from "../event-store.js";
import { createKnexEventStore } from "../knex-event-store.js";
import { createSqliteDialect, type SqliteDialect } from "./sqlite.js";

const event = (index: number) => ({ type: "t", data: new Uint8Array([index & 255, 1, 2, 3]) });

async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const page of store.readAll()) events.push(...page);
  return events;
}

describe("sqlite writer thread", () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  async function open(): Promise<{ dialect: SqliteDialect; store: EventStore }> {
    const folder = mkdtempSync(join(tmpdir(), "annals-writer-"));
    folders.push(folder);
    const dialect = createSqliteDialect({ filename: join(folder, "annals.db"), writer: "worker" });
    return { dialect, store: await createKnexEventStore({ dialect }) };
  }

  it("commits concurrent appends off the event loop: contiguous positions and revisions, one answer each", async () => {
    const { dialect, store } = await open();
    try {
      const results = await Promise.all(Array.from({ length: 300 }, (_, index) => store.appendToStream(`s-${index % 7}`, [event(index), event(index + 1)])));
      expect(dialect.writerThread).toBeDefined();
      const events = await allEvents(store);
      expect(events.map((recorded) => recorded.position)).toEqual(Array.from({ length: 600 }, (_, index) => index + 1));
      for (let stream = 0; stream < 7; stream += 1) {
        const revisions = events.filter((recorded) => recorded.stream === `s-${stream}`).map((recorded) => recorded.revision);
        expect(revisions).toEqual(revisions.map((_, index) => index));
      }
      expect(new Set(results.map((result) => result.position)).size).toBe(300);
      // A replay answers the original result; a wrong expectation is refused by the thread.
      const id = "6f1e0c5e-8a47-4d0b-9a59-3d0c3a3b9c01";
      const first = await store.appendToStream("once", [{ ...event(1), id }], { expectedRevision: "no_stream" });
      expect(await store.appendToStream("once", [{ ...event(1), id }], { expectedRevision: "no_stream" })).toEqual(first);
      await expect(store.appendToStream("once", [event(2)], { expectedRevision: 5 })).rejects.toMatchObject({ kind: "wrong-expected-revision", actual: 0 });
    } finally {
      await store.close();
    }
  });

  it("fails the appends in flight as unavailable when the thread dies, then starts a new one", async () => {
    const { dialect, store } = await open();
    try {
      await store.appendToStream("warm", [event(0)]);
      const dead = dialect.writerThread!;
      const inFlight = Array.from({ length: 50 }, (_, index) => store.appendToStream(`c-${index}`, [event(index)]).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ));
      // Let the write queue hand its batch to the thread, then kill the thread under it.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      await dead.terminate();
      const settled = await Promise.all(inFlight);
      const failed = settled.filter((outcome) => "error" in outcome);
      expect(failed.length).toBeGreaterThan(0);
      for (const outcome of failed) expect((outcome as { error: unknown }).error).toBeInstanceOf(StoreUnavailableError);
      // The store goes on, on a new thread, and the log has no hole.
      const after = await store.appendToStream("after", [event(1)]);
      expect(dialect.writerThread).toBeDefined();
      expect(dialect.writerThread).not.toBe(dead);
      const positions = (await allEvents(store)).map((recorded) => recorded.position);
      expect(positions).toEqual(Array.from({ length: positions.length }, (_, index) => index + 1));
      expect(positions[positions.length - 1]).toBe(after.position);
    } finally {
      await store.close();
    }
  });

  it("refuses appends as unavailable once the database file is replaced, and keeps refusing", async () => {
    const { dialect, store } = await open();
    try {
      await store.appendToStream("a", [event(0)]);
      const file = join(folders[folders.length - 1]!, "annals.db");
      renameSync(file, `${file}.moved`);
      writeFileSync(file, "");
      await expect(store.appendToStream("a", [event(1)])).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.appendToStream("a", [event(2)])).rejects.toThrow(/replaced/);
      expect(dialect.writerThread).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it("stops the thread when the store closes, and refuses appends after", async () => {
    const { dialect, store } = await open();
    await store.appendToStream("a", [event(0)]);
    const thread = dialect.writerThread!;
    const exited = once(thread, "exit");
    await store.close();
    await exited;
    expect(thread.threadId).toBe(-1);
    await expect(store.appendToStream("a", [event(1)])).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
