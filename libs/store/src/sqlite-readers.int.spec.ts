import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSqliteDialect, type SqliteDriver } from "./dialect/sqlite.js";
import { StreamTombstonedError } from "./errors.js";
import type { EventStore, RecordedEvent } from "./event-store.js";
import { createKnexEventStore } from "./knex-event-store.js";

async function collect(pages: AsyncIterable<RecordedEvent[]>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe.each(["better-sqlite3", "sqlite3"] as const)("sqlite (%s) readers", (driver: SqliteDriver) => {
  it("never see a write transaction before its COMMIT, on any read", async () => {
    const folder = mkdtempSync(join(tmpdir(), "annals-readers-"));
    folders.push(folder);
    const dialect = createSqliteDialect({ filename: join(folder, "annals.db"), driver });
    const store: EventStore = await createKnexEventStore({ dialect });
    try {
      const appended = await store.appendToStream("s", [1, 2, 3].map((n) => ({ type: "test.N", data: new Uint8Array([n]) })));
      const shown = async () => ({
        stream: (await collect(store.readStream("s"))).map((event) => event.revision),
        backwards: (await collect(store.readStream("s", { direction: "backwards" }))).map((event) => event.revision),
        all: (await collect(store.readAll())).map((event) => event.position),
        head: await store.getStream("s"),
        byId: (await store.getEvents([(await collect(store.readStream("s")))[0]!.id])).length,
      });
      const before = await shown();
      expect(before).toMatchObject({ stream: [0, 1, 2], backwards: [2, 1, 0], all: [1, 2, 3], head: { lastRevision: appended.revision }, byId: 1 });

      // A tombstone and an event written in one transaction, left open while the reads run.
      let during: unknown;
      await dialect.writeTransaction(async (trx) => {
        await trx("stream_metadata").insert({ stream: "s", metadata_revision: 0, tombstoned: 1, hide_before: Number.MAX_SAFE_INTEGER, updated_at: 0 });
        await trx("events").insert({ position: 4, stream: "s", revision: 3, id: "00000000-0000-4000-8000-000000000004", type: "test.N", data: new Uint8Array([4]), recorded_at: 0 });
        await trx("streams").update({ last_revision: 3, last_position: 4 }).where("stream", "s");
        during = await shown();
      });
      expect(during).toEqual(before);

      // Committed: every read sees the tombstone.
      await expect(collect(store.readStream("s"))).rejects.toBeInstanceOf(StreamTombstonedError);
      await expect(collect(store.readStream("s", { direction: "backwards", from: 10 }))).rejects.toBeInstanceOf(StreamTombstonedError);
      await expect(store.getStream("s")).rejects.toBeInstanceOf(StreamTombstonedError);
      expect(await collect(store.readAll())).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
