import type { Knex } from "knex";
import { WrongExpectedRevisionError } from "../errors.js";
import type { AppendResult, ExpectedRevision, RecordedEvent, StreamInfo } from "../event-store.js";
import type { ValidEvent } from "../validation.js";
import { chunk, toEventRow, type EventRow } from "./rows.js";

/** One caller's append, validated, waiting in the write queue. */
export interface AppendCommand {
  stream: string;
  events: readonly ValidEvent[];
  expected: ExpectedRevision;
}

export interface BatchOutcome {
  /** One answer per command, in order: its result or why it was refused. */
  results: Array<AppendResult | WrongExpectedRevisionError>;
  /** What the transaction stores, in position order. */
  recorded: RecordedEvent[];
  /** The commit time given to the recorded events. */
  recordedAt: number;
}

interface StoredEvent {
  stream: string;
  revision: number;
  position: number;
}

// SQLite caps bound variables and compound selects; PostgreSQL caps bind parameters at 65535.
const rowsPerInsert = 400;
const keysPerLookup = 500;
// PostgreSQL (one statement of arrays): a bytea value holds at most 1 GB; stay far below.
const rowsPerStatement = 5_000;
const bytesPerStatement = 16 * 1024 * 1024;

export function expectationHolds(expected: ExpectedRevision, actual: number | undefined): boolean {
  switch (expected) {
    case "any":
      return true;
    case "no_stream":
      return actual === undefined;
    case "stream_exists":
      return actual !== undefined;
    default:
      return actual === expected;
  }
}

/**
 * An append whose event ids are already stored: a retry that must answer the
 * original result (all ids, in order, at contiguous revisions of the same stream,
 * consistent with the expectation), or a conflict. `undefined` when none is stored.
 */
function replayOf(command: AppendCommand, stored: Map<string, StoredEvent>, actual: number | undefined): AppendResult | WrongExpectedRevisionError | undefined {
  const found = command.events.map((event) => stored.get(event.id));
  const first = found[0];
  if (found.every((entry) => entry === undefined)) return undefined;
  const conflict = (detail: string) => new WrongExpectedRevisionError(command.stream, command.expected, actual, detail);
  if (first === undefined || found.some((entry) => entry === undefined)) return conflict("some of the event ids are already stored");
  const contiguous = found.every((entry, index) => entry!.stream === command.stream && entry!.revision === first.revision + index);
  if (!contiguous) return conflict("the event ids are already stored at other revisions or in another stream");
  const before = first.revision === 0 ? undefined : first.revision - 1;
  if (!expectationHolds(command.expected, before)) return conflict("the event ids were stored under another expectation");
  const last = found[found.length - 1]!;
  return { revision: last.revision, position: last.position };
}

interface LookupRow {
  kind: "head" | "event" | "last";
  stream: string | null;
  revision: number | string | null;
  position: number | string | null;
  id: string | null;
  recorded_at: number | string | null;
}

/** What an append batch must know before it writes, read under the write lock. */
interface BatchState {
  /** The heads of the batch's streams that exist. */
  heads: Map<string, StreamInfo>;
  /** The batch's event ids that are already stored. */
  stored: Map<string, StoredEvent>;
  /**
   * The last committed event's position and commit time (zeros when the log is
   * empty): the true head, even when other processes write to the same database.
   */
  last: { position: number; recordedAt: number };
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

/** A `streams` row: a stream's new head. */
interface HeadRow {
  stream: string;
  last_revision: number;
  last_position: number;
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
  const streams = [...new Set(commands.map((command) => command.stream))];
  const { heads, stored, last } = await lookUp(
    trx,
    streams,
    commands.flatMap((command) => command.events.map((event) => event.id)),
  );
  let position = last.position;
  // Commit times never go backwards along the global order, even when another
  // process (another clock, or one that waited longer for the lock) wrote last.
  const recordedAt = Math.max(now, last.recordedAt);
  const recorded: RecordedEvent[] = [];
  const touched = new Set<string>();

  const results = commands.map((command) => {
    const actual = heads.get(command.stream)?.lastRevision;
    const replay = replayOf(command, stored, actual);
    if (replay !== undefined) return replay;
    if (!expectationHolds(command.expected, actual)) {
      return new WrongExpectedRevisionError(command.stream, command.expected, actual);
    }
    let revision = actual ?? -1;
    for (const event of command.events) {
      revision += 1;
      position += 1;
      recorded.push({ ...event, stream: command.stream, revision, position, recordedAt });
      stored.set(event.id, { stream: command.stream, revision, position });
    }
    heads.set(command.stream, { stream: command.stream, lastRevision: revision, lastPosition: position });
    touched.add(command.stream);
    return { revision, position };
  });

  const headRows = [...touched].map((stream): HeadRow => {
    const head = heads.get(stream)!;
    return { stream, last_revision: head.lastRevision, last_position: head.lastPosition };
  });
  if (recorded.length > 0) await write(trx, recorded.map(toEventRow), headRows);
  return { results, recorded, recordedAt };
}
