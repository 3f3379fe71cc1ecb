import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Knex } from "knex";
import { afterAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../snapshots.js";
import { openServiceDatabase } from "./database.js";
import { createKnexSnapshotStore } from "./snapshot-store.js";

const folder = mkdtempSync(join(tmpdir(), "annals-snapshot-store-"));
const opened: Knex[] = [];
afterAll(async () => {
  await Promise.all(opened.map((db) => db.destroy()));
  rmSync(folder, { recursive: true, force: true });
});

function snapshot(stream: string, version: number, type = "tally.v1"): Snapshot {
  return { stream, version: BigInt(version), position: BigInt(version * 10), recordedAt: new Date(1_700_000_000_000 + version * 1_000), type, state: new Uint8Array([version]) };
}

/** A store on a new database at `address`, set up, holding tally-1's snapshot at version 5. */
async function storeWithOne(address: string) {
  const db = openServiceDatabase(address);
  opened.push(db);
  const store = createKnexSnapshotStore(db);
  await store.setup();
  await store.save(snapshot("tally-1", 5));
  return { db, store };
}

// SQLite files load through a read connection of the store's own; `:memory:` through knex's pool.
describe.each([
  ["a SQLite file", () => join(folder, `snapshots-${Math.random().toString(36).slice(2)}.db`)],
  ["SQLite in memory", () => ":memory:"],
])("knex snapshot store on %s", (_name, address) => {
  it("loads what was saved after its first load, and picks by version, time and type", async () => {
    const db = openServiceDatabase(address());
    opened.push(db);
    const store = createKnexSnapshotStore(db);
    await store.setup();
    expect(await store.load("tally-1")).toBeUndefined();
    await store.save(snapshot("tally-1", 5));
    // The read connection, already open with its statement prepared, sees the commit that followed.
    expect((await store.load("tally-1"))?.version).toBe(5n);
    await store.save(snapshot("tally-1", 10));
    await store.save(snapshot("tally-1", 15, "tally.v2"));
    await store.save(snapshot("tally-2", 20));
    const latest = await store.load("tally-1", { type: "tally.v1" });
    expect(latest).toEqual(snapshot("tally-1", 10));
    expect((await store.load("tally-1"))?.version).toBe(15n);
    expect((await store.load("tally-1", { atOrBelowVersion: 9n }))?.version).toBe(5n);
    expect((await store.load("tally-1", { atOrBefore: new Date(1_700_000_009_999) }))?.version).toBe(5n);
    expect((await store.load("tally-1", { atOrBelowVersion: 14n, atOrBefore: new Date(1_700_000_010_000), type: "tally.v1" }))?.version).toBe(10n);
    expect(await store.load("tally-1", { atOrBelowVersion: 4n })).toBeUndefined();
    // Saving the same version again replaces it.
    await store.save({ ...snapshot("tally-1", 10), state: new Uint8Array([99]) });
    expect((await store.load("tally-1", { type: "tally.v1" }))?.state).toEqual(new Uint8Array([99]));
    store.close();
  });
});

describe("knex snapshot store on a SQLite file, beside a write transaction", () => {
  it("loads without waiting for the pool's one connection, and never sees the open transaction's rows", async () => {
    const { db, store } = await storeWithOne(join(folder, "beside.db"));
    const trx = await db.transaction();
    try {
      await trx("annals_snapshots").insert({ stream: "tally-1", version: 30, position: 300, recorded_at: 1_700_000_030_000, type: "tally.v1", state: Buffer.from([30]) });
      // Through knex's pool this load would wait for the transaction to end.
      const loaded = await Promise.race([store.load("tally-1"), new Promise<"waited">((resolve) => setTimeout(() => resolve("waited"), 2_000))]);
      expect(loaded).not.toBe("waited");
      expect((loaded as Snapshot).version).toBe(5n);
      await trx.commit();
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
    expect((await store.load("tally-1"))?.version).toBe(30n);
    store.close();
  });
});

describe("knex snapshot store, closed", () => {
  it("refuses loads on a SQLite file once closed, while the caller's knex instance stays usable", async () => {
    const { db, store } = await storeWithOne(join(folder, "closed.db"));
    expect((await store.load("tally-1"))?.version).toBe(5n);
    store.close();
    await expect(store.load("tally-1")).rejects.toThrow(/closed/);
    expect(await db("annals_snapshots").count({ rows: "*" })).toEqual([{ rows: 1 }]);
  });
});
