import type { Knex } from "knex";
import type { HeadRow } from "./append-plan.js";
import type { EventRow } from "./rows.js";

// A bytea value holds at most 1 GB; stay far below. Rows per statement bound the arrays.
const rowsPerStatement = 5_000;
const bytesPerStatement = 16 * 1024 * 1024;

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

/** PostgreSQL: inserts the events and moves the streams' heads, a few statements of arrays. */
export async function writeRowsPostgres(trx: Knex, rows: readonly EventRow[], headRows: readonly HeadRow[]): Promise<void> {
  const parts = byPayload(rows);
  for (const [index, part] of parts.entries()) {
    const statement = postgresWrite(part, index === parts.length - 1 ? headRows : []);
    await trx.raw(statement.sql, statement.bindings as Knex.RawBinding[]);
  }
}
