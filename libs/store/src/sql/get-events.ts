import type { Knex } from "knex";
import type { RecordedEvent } from "../event-store.js";
import { chunk, eventColumns, toRecordedEvent, type EventRow } from "./rows.js";

const idsPerLookup = 500;

/** The stored events whose ids are in `ids` (lower case), in position order. */
export async function getEvents(db: Knex, ids: readonly string[]): Promise<RecordedEvent[]> {
  const found: RecordedEvent[] = [];
  for (const part of chunk(ids, idsPerLookup)) {
    const rows: EventRow[] = await db("events").select(eventColumns).whereIn("id", part);
    found.push(...rows.map(toRecordedEvent));
  }
  return found.sort((a, b) => a.position - b.position);
}
