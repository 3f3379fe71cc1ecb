import type { Knex } from "knex";
import { idsToLookUp, planBatch, type AppendCommand, type BatchOutcome, type BatchState, type HeadRow } from "./append-plan.js";
import { toEventRow, type EventRow } from "./rows.js";

/**
 * Gives the transaction `count` contiguous positions, the last of which it answers,
 * and the commit time to record (PostgreSQL's transaction-id ordering: positions come
 * in the order of transaction ids, not from the last committed event).
 */
export type TakePositions<Trx = Knex> = (trx: Trx, count: number) => Promise<{ lastPosition: number; now: number }>;

/** Writes a batch's rows: the events and the streams' new heads. Each backend has its own. */
export type WriteRows<Trx = Knex> = (trx: Trx, rows: readonly EventRow[], headRows: readonly HeadRow[]) => Promise<void>;

/** What a batch needs to know before it is planned, for its streams and its events' ids. Each backend has its own. */
export type LookUp<Trx = Knex> = (trx: Trx, streams: readonly string[], ids: readonly string[]) => Promise<BatchState>;

/**
 * A backend's statements for `appendBatch`, on its kind of transaction: a knex
 * transaction, or PostgreSQL's pipelined session (`dialect/postgres-session.ts`).
 */
export interface BatchStatements<Trx = Knex> {
  lookUp: LookUp<Trx>;
  writeRows: WriteRows<Trx>;
  takePositions?: TakePositions<Trx>;
}

/** One row of a lookup: a stream's head, a stored event, a stream's lifecycle, or the last event. */
export interface LookupRow {
  kind: "head" | "event" | "last" | "life";
  stream: string | null;
  revision: number | string | null;
  position: number | string | null;
  id: string | null;
  recorded_at: number | string | null;
}

/** The batch state a lookup's rows describe (nothing found: no heads, no stored ids, position 0). */
export function stateFromRows(rows: readonly LookupRow[]): BatchState {
  const state: BatchState = { heads: new Map(), stored: new Map(), lifecycle: new Map(), last: { position: 0, recordedAt: 0 } };
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
  return state;
}

/** `planBatch` updates the state it is given: a copy for a first plan whose positions are not known yet. */
function copyState(state: BatchState): BatchState {
  return { heads: new Map(state.heads), stored: new Map(state.stored), lifecycle: state.lifecycle, last: state.last };
}

/**
 * Applies many appends in one transaction (group commit). Each command keeps its
 * own expected-revision and idempotency check and its own answer; a refused
 * command does not affect the others. Must run inside the backend's write
 * transaction (its ordering's); `statements` are its way of looking up and writing rows.
 */
export async function appendBatch<Trx>(trx: Trx, commands: readonly AppendCommand[], now: number, statements: BatchStatements<Trx>): Promise<BatchOutcome> {
  const { lookUp, writeRows, takePositions } = statements;
  const streams = [...new Set(commands.map((command) => command.stream))];
  const state = await lookUp(trx, streams, idsToLookUp(commands));
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
