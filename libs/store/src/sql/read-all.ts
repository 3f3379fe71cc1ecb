import type { Knex } from "knex";
import type { Direction, RecordedEvent } from "../event-store.js";
import { eventColumns, toRecordedEvent, type EventRow } from "./rows.js";

/** One page of the global log, from `position` inclusive, in `direction`. */
export async function readAllPage(db: Knex, position: number, direction: Direction, limit: number): Promise<RecordedEvent[]> {
  const forwards = direction === "forwards";
  const rows: EventRow[] = await db("events")
    .select(eventColumns)
    .where("position", forwards ? ">=" : "<=", position)
    .orderBy("position", forwards ? "asc" : "desc")
    .limit(limit);
  return rows.map(toRecordedEvent);
}
