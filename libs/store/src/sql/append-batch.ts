import type { Knex } from "knex";
import { planBatch, type AppendCommand, type BatchOutcome, type BatchState, type HeadRow } from "./append-plan.js";
import { chunk, toEventRow, type EventRow } from "./rows.js";

// SQLite caps bound variables and compound selects; PostgreSQL caps bind parameters at 65535.
const keysPerLookup = 500;

/**
 * Gives the transaction `count` contiguous positions, the last of which it answers,
 * and the commit time to record (PostgreSQL's transaction-id ordering: positions come
 * in the order of transaction ids, not from the last committed event).
 */
export type TakePositions = (trx: Knex, count: number) => Promise<{ lastPosition: number; now: number }>;

/** Writes a batch's rows: the events and the streams' new heads. Each backend has its own. */
export type WriteRows = (trx: Knex, rows: readonly EventRow[], headRows: readonly HeadRow[]) => Promise<void>;

interface LookupRow {
  kind: "head" | "event" | "last" | "life";
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
  const parts = [
    trx("events").select(trx.raw("'event'"), "stream", "revision", "position", "id", "recorded_at").whereIn("id", ids),
    // A stream's lifecycle: deleted through (revision), hide before (position), tombstoned (recorded_at).
    trx("stream_metadata").select(trx.raw("'life'"), "stream", "deleted_through", "hide_before", trx.raw("null"), "tombstoned").whereIn("stream", streams),
  ];
  if (withLast) {
    // Wrapped, because a member of a compound select cannot have its own ORDER BY and LIMIT.
    const last = trx("events").select(trx.raw("'last' as kind"), "stream", "revision", "position", "id", "recorded_at").orderBy("position", "desc").limit(1);
    parts.push(trx.select("*").from(last.as("last")));
  }
  return heads.unionAll(parts);
}

async function lookUp(trx: Knex, streams: readonly string[], ids: readonly string[]): Promise<BatchState> {
  const state: BatchState = { heads: new Map(), stored: new Map(), lifecycle: new Map(), last: { position: 0, recordedAt: 0 } };
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
      else if (row.kind === "life") {
        state.lifecycle.set(stream, { deletedThrough: row.revision === null ? undefined : revision, hideBefore: position, tombstoned: Number(row.recorded_at) === 1 });
      } else if (row.kind === "event") state.stored.set(row.id!, { stream, revision, position, recordedAt: Number(row.recorded_at) });
      else state.last = { position, recordedAt: Number(row.recorded_at) };
    }
  }
  return state;
}

/** `planBatch` updates the state it is given: a copy for a first plan whose positions are not known yet. */
function copyState(state: BatchState): BatchState {
  return { heads: new Map(state.heads), stored: new Map(state.stored), lifecycle: state.lifecycle, last: state.last };
}

/**
 * Applies many appends in one transaction (group commit). Each command keeps its
 * own expected-revision and idempotency check and its own answer; a refused
 * command does not affect the others. Must run inside `Dialect.writeTransaction`;
 * `writeRows` is the backend's way of writing rows.
 */
export async function appendBatch(
  trx: Knex,
  commands: readonly AppendCommand[],
  now: number,
  writeRows: WriteRows,
  takePositions?: TakePositions,
): Promise<BatchOutcome> {
  const streams = [...new Set(commands.map((command) => command.stream))];
  const state = await lookUp(
    trx,
    streams,
    commands.flatMap((command) => command.events.map((event) => event.id)),
  );
  let plan = planBatch(commands, takePositions ? copyState(state) : state, now);
  if (takePositions && plan.recorded.length > 0) {
    // The same decisions again, on the positions and the clock the database gave.
    const taken = await takePositions(trx, plan.recorded.length);
    plan = planBatch(commands, { ...state, last: { position: taken.lastPosition - plan.recorded.length, recordedAt: state.last.recordedAt } }, taken.now);
  }
  const { results, recorded, recordedAt, headRows, hidden } = plan;
  if (recorded.length > 0) await writeRows(trx, recorded.map(toEventRow), headRows);
  return { results, recorded, recordedAt, hidden };
}
