import type { Knex } from "knex";
import { LimitExceededError } from "../errors.js";
import type { RecordedEvent } from "../event-store.js";
import { chunk, eventColumns, toRecordedEvent, toRecordedEventFromValues, type EventRow } from "./rows.js";
import type { Reads } from "./sync-reader.js";
import { whereVisible } from "./visible-events.js";

const idsPerLookup = 500;

/**
 * The stored events whose ids are in `ids` (lower case), in position order. Their
 * data lengths are read first: when they weigh more than `maxBytes` together, the
 * lookup is refused (one answer holds them all) before any payload is loaded.
 */
export async function getEvents(reads: Reads, ids: readonly string[], maxBytes: number, now: number): Promise<RecordedEvent[]> {
  const { db, sync } = reads;
  let bytes = 0;
  for (const part of chunk(ids, idsPerLookup)) {
    const query = whereVisible(db("events").select(db.raw("length(data) as data_length")).whereIn("id", part), now);
    const sizes: Array<{ data_length: number | string }> = sync ? sync.rows(...native(query)).map(([length]) => ({ data_length: length as number })) : await query;
    for (const row of sizes) bytes += Number(row.data_length);
  }
  if (bytes > maxBytes) throw new LimitExceededError("ids", `the events weigh ${bytes} bytes, more than one answer holds (${maxBytes}): ask for fewer ids at a time`);
  const found: RecordedEvent[] = [];
  for (const part of chunk(ids, idsPerLookup)) {
    const query = whereVisible(db("events").select(eventColumns).whereIn("id", part), now);
    if (sync) found.push(...sync.rows(...native(query)).map(toRecordedEventFromValues));
    else found.push(...((await query) as EventRow[]).map(toRecordedEvent));
  }
  return found.sort((a, b) => a.position - b.position);
}

function native(query: Knex.QueryBuilder): [string, readonly unknown[]] {
  const { sql, bindings } = query.toSQL().toNative();
  return [sql, bindings];
}
