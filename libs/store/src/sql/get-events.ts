import type { Knex } from "knex";
import { LimitExceededError } from "../errors.js";
import type { RecordedEvent } from "../event-store.js";
import { chunk, eventColumns, toRecordedEvent, type EventRow } from "./rows.js";
import { whereVisible } from "./visible-events.js";

const idsPerLookup = 500;

/**
 * The stored events whose ids are in `ids` (lower case), in position order. Their
 * data lengths are read first: when they weigh more than `maxBytes` together, the
 * lookup is refused (one answer holds them all) before any payload is loaded.
 */
export async function getEvents(db: Knex, ids: readonly string[], maxBytes: number, now: number): Promise<RecordedEvent[]> {
  let bytes = 0;
  for (const part of chunk(ids, idsPerLookup)) {
    const sizes: Array<{ data_length: number | string }> = await whereVisible(db("events").select(db.raw("length(data) as data_length")).whereIn("id", part), now);
    for (const row of sizes) bytes += Number(row.data_length);
  }
  if (bytes > maxBytes) throw new LimitExceededError("ids", `the events weigh ${bytes} bytes, more than one answer holds (${maxBytes}): ask for fewer ids at a time`);
  const found: RecordedEvent[] = [];
  for (const part of chunk(ids, idsPerLookup)) {
    const rows: EventRow[] = await whereVisible(db("events").select(eventColumns).whereIn("id", part), now);
    found.push(...rows.map(toRecordedEvent));
  }
  return found.sort((a, b) => a.position - b.position);
}
