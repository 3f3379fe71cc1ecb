import type { Knex } from "knex";
import { appendBatchBetterSqlite, usesBetterSqlite } from "./append-batch-sqlite.js";
import { planBatch, type AppendCommand, type BatchOutcome, type BatchState, type HeadRow } from "./append-plan.js";
import { chunk, toEventRow, type EventRow } from "./rows.js";

export { expectationHolds, type AppendCommand, type BatchOutcome } from "./append-plan.js";

// SQLite caps bound variables and compound selects; PostgreSQL caps bind parameters at 65535.
const rowsPerInsert = 400;
const keysPerLookup = 500;
// PostgreSQL (one statement of arrays): a bytea value holds at most 1 GB; stay far below.
const rowsPerStatement = 5_000;
const bytesPerStatement = 16 * 1024 * 1024;

interface LookupRow {
  kind: "head" | "event" | "last";
  stream: string | null;
  revision: number | string | null;
  position: number | string | null;
  id: string | null;
  recorded_at: number | string | null;
}

/**
 * One statement (`union all`) per 500 streams and 500 ids: the streams' heads, the
 * ids already stored, and (in the first) the last event. One round trip where
 * there were three.
 */
function lookupQuery(trx: Knex, streams: readonly string[], ids: readonly string[], withLast: boolean): Knex.QueryBuilder {
  const heads = trx("streams")
    .select(trx.raw("'head' as kind"), "stream", "last_revision as revision", "last_position as position", trx.raw("null as id"), trx.raw("null as recorded_at"))
    .whereIn("stream", streams);
  const parts = [trx("events").select(trx.raw("'event'"), "stream", "revision", "position", "id", "recorded_at").whereIn("id", ids)];
  if (withLast) {
    // Wrapped, because a member of a compound select cannot have its own ORDER BY and LIMIT.
    const last = trx("events").select(trx.raw("'last' as kind"), "stream", "revision", "position", "id", "recorded_at").orderBy("position", "desc").limit(1);
    parts.push(trx.select("*").from(last.as("last")));
  }
  return heads.unionAll(parts);
}

async function lookUp(trx: Knex, streams: readonly string[], ids: readonly string[]): Promise<BatchState> {
  const state: BatchState = { heads: new Map(), stored: new Map(), last: { position: 0, recordedAt: 0 } };
  const streamParts = chunk(streams, keysPerLookup);
  const idParts = chunk(ids, keysPerLookup);
  const statements = Math.max(1, streamParts.length, idParts.length);
  for (let index = 0; index < statements; index += 1) {
    const rows: LookupRow[] = await lookupQuery(trx, streamParts[index] ?? [], idParts[index] ?? [], index === 0);
    for (const row of rows) {
      const stream = row.stream!;
      const revision = Number(row.revision);
      const position = Number(row.position);
      if (row.kind === "head") state.heads.set(stream, { stream, lastRevision: revision, lastPosition: position });
      else if (row.kind === "event") state.stored.set(row.id!, { stream, revision, position });
      else state.last = { position, recordedAt: Number(row.recorded_at) };
    }
  }
  return state;
}

const eventInsertColumns = "position, stream, revision, id, type, content_type, metadata, recorded_at";

/**
 * PostgreSQL: the events as one array per column (`unnest`), the payloads packed
 * into one binary parameter and cut apart with `substring`, so a statement has 11
 * parameters whatever its size; the streams' new heads in the same statement.
 */
function postgresWrite(rows: readonly EventRow[], headRows: readonly HeadRow[]): { sql: string; bindings: unknown[] } {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let offset = 1;
  for (const row of rows) {
    offsets.push(offset);
    lengths.push(row.data.byteLength);
    offset += row.data.byteLength;
  }
  const insertEvents =
    `insert into events (${eventInsertColumns}, data) ` +
    `select ${eventInsertColumns}, substring(?::bytea from data_from for data_length) ` +
    "from unnest(?::bigint[], ?::text[], ?::bigint[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::int[], ?::int[]) " +
    `as e(${eventInsertColumns}, data_from, data_length)`;
  const bindings: unknown[] = [
    Buffer.concat(rows.map((row) => row.data)),
    rows.map((row) => row.position),
    rows.map((row) => row.stream),
    rows.map((row) => row.revision),
    rows.map((row) => row.id),
    rows.map((row) => row.type),
    rows.map((row) => row.content_type),
    rows.map((row) => row.metadata),
    rows.map((row) => row.recorded_at),
    offsets,
    lengths,
  ];
  if (headRows.length === 0) return { sql: insertEvents, bindings };
  const upsertHeads =
    "insert into streams (stream, last_revision, last_position) select * from unnest(?::text[], ?::bigint[], ?::bigint[]) " +
    "on conflict (stream) do update set last_revision = excluded.last_revision, last_position = excluded.last_position";
  return {
    // A data-modifying WITH runs to completion whether or not the main statement reads it.
    sql: `with appended as (${insertEvents}) ${upsertHeads}`,
    bindings: [...bindings, headRows.map((row) => row.stream), headRows.map((row) => row.last_revision), headRows.map((row) => row.last_position)],
  };
}

/** Splits rows into statements of at most `rowsPerStatement` rows and about `bytesPerStatement` bytes of payload. */
function byPayload(rows: readonly EventRow[]): EventRow[][] {
  const parts: EventRow[][] = [];
  let part: EventRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (part.length > 0 && (part.length >= rowsPerStatement || bytes + row.data.byteLength > bytesPerStatement)) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(row);
    bytes += row.data.byteLength;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** Inserts the events and moves the streams' heads. */
async function write(trx: Knex, rows: readonly EventRow[], headRows: readonly HeadRow[]): Promise<void> {
  if ((trx.client as { dialect?: string }).dialect === "postgresql") {
    const parts = byPayload(rows);
    for (const [index, part] of parts.entries()) {
      const statement = postgresWrite(part, index === parts.length - 1 ? headRows : []);
      await trx.raw(statement.sql, statement.bindings as Knex.RawBinding[]);
    }
    return;
  }
  for (const part of chunk(rows, rowsPerInsert)) {
    await trx("events").insert(part);
  }
  for (const part of chunk(headRows, rowsPerInsert)) {
    await trx("streams").insert(part).onConflict("stream").merge(["last_revision", "last_position"]);
  }
}

/**
 * Applies many appends in one transaction (group commit). Each command keeps its
 * own expected-revision and idempotency check and its own answer; a refused
 * command does not affect the others. Must run inside `Dialect.writeTransaction`.
 */
export async function appendBatch(trx: Knex, commands: readonly AppendCommand[], now: number): Promise<BatchOutcome> {
  if (usesBetterSqlite(trx)) return appendBatchBetterSqlite(trx, commands, now);
  const streams = [...new Set(commands.map((command) => command.stream))];
  const state = await lookUp(
    trx,
    streams,
    commands.flatMap((command) => command.events.map((event) => event.id)),
  );
  const { results, recorded, recordedAt, headRows } = planBatch(commands, state, now);
  if (recorded.length > 0) await write(trx, recorded.map(toEventRow), headRows);
  return { results, recorded, recordedAt };
}
