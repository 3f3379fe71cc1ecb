import type { Knex } from "knex";
import { WrongExpectedRevisionError } from "../errors.js";
import type { AppendResult, ExpectedRevision, RecordedEvent, StreamInfo } from "../event-store.js";
import type { ValidEvent } from "../validation.js";
import { getStreams } from "./get-stream.js";
import { headPosition } from "./head-position.js";
import { chunk, toEventRow } from "./rows.js";

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
}

interface StoredEvent {
  stream: string;
  revision: number;
  position: number;
}

// SQLite caps bound variables and compound selects; PostgreSQL caps bind parameters at 65535.
const rowsPerInsert = 400;
const keysPerLookup = 500;

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

async function storedEvents(trx: Knex, ids: readonly string[]): Promise<Map<string, StoredEvent>> {
  const stored = new Map<string, StoredEvent>();
  for (const part of chunk(ids, keysPerLookup)) {
    const rows: Array<{ id: string; stream: string; revision: number | string; position: number | string }> = await trx("events")
      .select("id", "stream", "revision", "position")
      .whereIn("id", part);
    for (const row of rows) stored.set(row.id, { stream: row.stream, revision: Number(row.revision), position: Number(row.position) });
  }
  return stored;
}

async function streamHeads(trx: Knex, streams: readonly string[]): Promise<Map<string, StreamInfo>> {
  const heads = new Map<string, StreamInfo>();
  for (const part of chunk(streams, keysPerLookup)) {
    for (const [stream, info] of await getStreams(trx, part)) heads.set(stream, info);
  }
  return heads;
}

/**
 * Applies many appends in one transaction (group commit). Each command keeps its
 * own expected-revision and idempotency check and its own answer; a refused
 * command does not affect the others. Must run inside `Dialect.writeTransaction`.
 */
export async function appendBatch(trx: Knex, commands: readonly AppendCommand[], recordedAt: number): Promise<BatchOutcome> {
  const streams = [...new Set(commands.map((command) => command.stream))];
  const heads = await streamHeads(trx, streams);
  const stored = await storedEvents(trx, commands.flatMap((command) => command.events.map((event) => event.id)));
  let position = await headPosition(trx);
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

  for (const rows of chunk(recorded.map(toEventRow), rowsPerInsert)) {
    await trx("events").insert(rows);
  }
  const headRows = [...touched].map((stream) => {
    const head = heads.get(stream)!;
    return { stream, last_revision: head.lastRevision, last_position: head.lastPosition };
  });
  for (const rows of chunk(headRows, rowsPerInsert)) {
    await trx("streams").insert(rows).onConflict("stream").merge(["last_revision", "last_position"]);
  }
  return { results, recorded };
}
