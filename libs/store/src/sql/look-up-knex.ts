import type { Knex } from "knex";
import { stateFromRows, type LookupRow } from "./append-batch.js";
import type { BatchState } from "./append-plan.js";
import { chunk } from "./rows.js";

// SQLite caps bound variables and compound selects.
const keysPerLookup = 500;

/**
 * One statement (`union all`) per 500 streams and 500 ids: the streams' heads, the
 * ids already stored, their lifecycles, and (in the first) the last event.
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

/** What a batch needs to know before it is planned, through knex's query builder (SQLite through the sqlite3 driver). */
export async function lookUpKnex(trx: Knex, streams: readonly string[], ids: readonly string[]): Promise<BatchState> {
  const streamParts = chunk(streams, keysPerLookup);
  const idParts = chunk(ids, keysPerLookup);
  const statements = Math.max(1, streamParts.length, idParts.length);
  const rows: LookupRow[] = [];
  for (let index = 0; index < statements; index += 1) {
    rows.push(...((await lookupQuery(trx, streamParts[index] ?? [], idParts[index] ?? [], index === 0)) as LookupRow[]));
  }
  return stateFromRows(rows);
}
