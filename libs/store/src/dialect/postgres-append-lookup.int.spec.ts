import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamTombstonedError, WrongExpectedRevisionError } from "../errors.js";
import type { EventStore } from "../event-store.js";
import { openEventStore } from "../open-event-store.js";
import { events } from "../testing/conformance.js";
import { createThrowawaySchema, type ThrowawaySchema } from "../testing/postgres.js";
import { appendLockKeys } from "./postgres.js";

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A store (one pooled connection) on a throwaway schema, and a client of its own on the same schema, for the tests of one `describe`. */
function scratchStore(): { store: () => EventStore; client: () => pg.Client; schema: () => string } {
  let scratch: ThrowawaySchema;
  let store: EventStore;
  let client: pg.Client;
  beforeAll(async () => {
    scratch = await createThrowawaySchema();
    store = await openEventStore({ database: scratch.url, postgresSchema: scratch.schema, postgresPoolSize: 1 });
    client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    await client.query(`set search_path to ${client.escapeIdentifier(scratch.schema)}`);
  }, 60_000);
  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await store?.close();
    await scratch?.drop();
  });
  return { store: () => store, client: () => client, schema: () => scratch.schema };
}

/**
 * An append's lookup takes the append lock in the same statement
 * (`annals_append_lookup`, migration 007): what another instance committed while
 * this one waited for the lock must be seen, or a stale head or lifecycle would be
 * written over.
 */
describe("PostgreSQL append lookup under the append lock", () => {
  const scratch = scratchStore();

  /** Holds the append lock as another instance's write transaction would, runs `write` in it, and commits once `whileHeld` is waiting. */
  async function commitWhileAppendWaits(write: string, values: unknown[], whileHeld: () => Promise<unknown>): Promise<unknown> {
    const [lockA, lockB] = appendLockKeys(scratch.schema());
    const other = scratch.client();
    await other.query("begin");
    await other.query("select pg_advisory_xact_lock($1, $2)", [lockA, lockB]);
    await other.query(write, values);
    const outcome = whileHeld().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    // This schema's append lock, as pg_locks shows a two-key advisory lock (keys as unsigned).
    const waiting = "select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted and classid = $1::bigint::oid and objid = $2::bigint::oid";
    await until(async () => (await other.query(waiting, [lockA >>> 0, lockB >>> 0])).rows[0].waiting === 1, 10_000, "the append to wait for the lock");
    await other.query("commit");
    return outcome;
  }

  it("sees a stream head committed while it waited, and refuses the stale expected revision", async () => {
    const write = `
      with appended as (
        insert into events (position, stream, revision, id, type, data, recorded_at)
        values ((select coalesce(max(position), 0) + 1 from events), 'order-1', 0, gen_random_uuid(), 'test.Placed', '\\x00', 1)
        returning position)
      insert into streams (stream, last_revision, last_position) select 'order-1', 0, position from appended`;
    const outcome = (await commitWhileAppendWaits(write, [], () => scratch.store().appendToStream("order-1", events(1), { expectedRevision: "no_stream" }))) as { error?: unknown };
    expect(outcome.error).toBeInstanceOf(WrongExpectedRevisionError);
    const stored = [];
    for await (const page of scratch.store().readStream("order-1")) stored.push(...page);
    expect(stored.map((event) => event.type)).toEqual(["test.Placed"]);
  });

  it("sees a tombstone committed while it waited, and refuses the append", async () => {
    const store = scratch.store();
    await store.appendToStream("order-2", events(1));
    const write = `
      insert into stream_metadata (stream, metadata_revision, deleted_through, tombstoned, hide_before, updated_at)
      values ('order-2', 0, 0, 1, (select max(position) + 1 from events), 1)`;
    const outcome = (await commitWhileAppendWaits(write, [], () => store.appendToStream("order-2", events(1)))) as { error?: unknown };
    expect(outcome.error).toBeInstanceOf(StreamTombstonedError);
    const [row] = (await scratch.client().query("select count(*)::int as count from events where stream = 'order-2'")).rows;
    expect(row.count).toBe(1);
  });
});

/**
 * The append statements are prepared once per connection. PostgreSQL plans a
 * prepared statement generically after a few runs; on tables never analysed (the
 * test server runs without autovacuum) a generic plan made while they were small
 * scans them whole, and the lookup's cost grew with the log. The store's sessions
 * keep to indexes: appends never scan a table.
 */
describe("PostgreSQL appends on tables never analysed", () => {
  const scratch = scratchStore();

  async function scans(): Promise<Map<string, { seq: number; idx: number }>> {
    const client = scratch.client();
    await client.query("select pg_stat_clear_snapshot()");
    const result = await client.query("select relname, seq_scan, coalesce(idx_scan, 0) as idx_scan from pg_stat_user_tables where schemaname = $1", [scratch.schema()]);
    return new Map(result.rows.map((row: { relname: string; seq_scan: string; idx_scan: string }) => [row.relname, { seq: Number(row.seq_scan), idx: Number(row.idx_scan) }]));
  }

  it("looks up and writes through indexes, also once plans are generic", async () => {
    const store = scratch.store();
    // Let the migrations' and the first statements' counts reach the statistics.
    await store.appendToStream("warm-1", events(1));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await store.appendToStream("warm-1", events(1));
    await until(async () => ((await scans()).get("events")?.idx ?? 0) > 0, 15_000, "the statistics");
    const before = await scans();
    const appends = 40;
    for (let index = 0; index < appends; index += 1) await store.appendToStream(`order-${index % 7}`, events(10));
    // A backend reports its counts at the end of a transaction at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await store.appendToStream("order-0", events(1));
    await until(async () => ((await scans()).get("events")?.idx ?? 0) >= before.get("events")!.idx + appends, 15_000, "the appends' counts");
    const after = await scans();
    for (const table of ["events", "streams", "stream_metadata"]) {
      expect({ table, seqScans: after.get(table)!.seq - before.get(table)!.seq }).toEqual({ table, seqScans: 0 });
    }
  }, 60_000);
});
