import type { Knex } from "knex";
import type { Direction, RecordedEvent } from "../event-store.js";
import { eventColumns, toRecordedEvent, type EventRow } from "./rows.js";

/** One page of a stream, from `revision` inclusive, in `direction`. */
export async function readStreamPage(
  db: Knex,
  stream: string,
  revision: number,
  direction: Direction,
  limit: number,
): Promise<RecordedEvent[]> {
  const forwards = direction === "forwards";
  const rows: EventRow[] = await db("events")
    .select(eventColumns)
    .where("stream", stream)
    .andWhere("revision", forwards ? ">=" : "<=", revision)
    .orderBy("revision", forwards ? "asc" : "desc")
    .limit(limit);
  return rows.map(toRecordedEvent);
}
