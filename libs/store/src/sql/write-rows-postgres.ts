import type { PostgresSession } from "../dialect/postgres-session.js";
import type { HeadRow } from "./append-plan.js";
import type { EventRow } from "./rows.js";

// A bytea value holds at most 1 GB; stay far below. Rows per statement bound the arrays.
const rowsPerStatement = 5_000;
const bytesPerStatement = 16 * 1024 * 1024;

const eventInsertColumns = "position, stream, revision, id, type, content_type, metadata, recorded_at";

/** A NOTIFY to send with the rows: `pg_notify(channel, payload)`. */
export interface Notice {
  channel: string;
  payload: string;
}

const insertEvents =
  `insert into events (${eventInsertColumns}, data) ` +
  `select ${eventInsertColumns}, substring(?::bytea from data_from for data_length) ` +
  "from unnest(?::bigint[], ?::text[], ?::bigint[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::int[], ?::int[]) " +
  `as e(${eventInsertColumns}, data_from, data_length)`;

const upsertHeads =
  "insert into streams (stream, last_revision, last_position) select * from unnest(?::text[], ?::bigint[], ?::bigint[]) " +
  "on conflict (stream) do update set last_revision = excluded.last_revision, last_position = excluded.last_position";

/** PostgreSQL's numbered parameters (`$1`, `$2`, ...) for the `?` of a statement, in order. */
function numbered(sql: string): string {
  let count = 0;
  return sql.replace(/\?/g, () => `$${(count += 1)}`);
}

/**
 * The statement's text for each combination of parts. The text never changes, so
 * it runs as a named prepared statement, planned once per connection. A
 * data-modifying WITH runs to completion whether or not the main statement reads it.
 */
const statements = {
  events: { name: "annals_append_events", sql: numbered(insertEvents) },
  eventsNotice: { name: "annals_append_events_notice", sql: numbered(`with appended as (${insertEvents}) select pg_notify(?, ?)`) },
  eventsHeads: { name: "annals_append_events_heads", sql: numbered(`with appended as (${insertEvents}) ${upsertHeads}`) },
  eventsHeadsNotice: { name: "annals_append_events_heads_notice", sql: numbered(`with appended as (${insertEvents}), heads as (${upsertHeads}) select pg_notify(?, ?)`) },
} as const;

/**
 * PostgreSQL: the events as one array per column (`unnest`), the payloads packed
 * into one binary parameter and cut apart with `substring`, so a statement has 11
 * parameters whatever its size; the streams' new heads, and the notice that tells
 * other instances of the commit, in the same statement (one round trip).
 */
function postgresWrite(rows: readonly EventRow[], headRows: readonly HeadRow[], notice: Notice | undefined): { sql: string; name: string; bindings: unknown[] } {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let offset = 1;
  for (const row of rows) {
    offsets.push(offset);
    lengths.push(row.data.byteLength);
    offset += row.data.byteLength;
  }
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
  if (headRows.length === 0) {
    if (notice === undefined) return { ...statements.events, bindings };
    bindings.push(notice.channel, notice.payload);
    return { ...statements.eventsNotice, bindings };
  }
  bindings.push(
    headRows.map((row) => row.stream),
    headRows.map((row) => row.last_revision),
    headRows.map((row) => row.last_position),
  );
  if (notice === undefined) return { ...statements.eventsHeads, bindings };
  bindings.push(notice.channel, notice.payload);
  return { ...statements.eventsHeadsNotice, bindings };
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

/**
 * PostgreSQL: inserts the events and moves the streams' heads, a few statements of
 * arrays; the last also sends `notice`, if one is given (delivered at commit). The
 * statements are sent, not waited for: they travel with the COMMIT, which fails if they do.
 */
export async function writeRowsPostgres(session: PostgresSession, rows: readonly EventRow[], headRows: readonly HeadRow[], notice?: Notice): Promise<void> {
  const parts = byPayload(rows);
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    const statement = postgresWrite(part, last ? headRows : [], last ? notice : undefined);
    session.send(statement.sql, statement.bindings, statement.name);
  }
}
