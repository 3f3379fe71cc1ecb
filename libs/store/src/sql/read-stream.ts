import type { Knex } from "knex";
import type { Direction, RecordedEvent } from "../event-store.js";
import { selectEvents } from "./select-events.js";

/** One page of a stream, from `revision` inclusive, in `direction`. */
export function readStreamPage(db: Knex, stream: string, revision: number, direction: Direction, limit: number): Promise<RecordedEvent[]> {
  const forwards = direction === "forwards";
  const page = db("events")
    .where("stream", stream)
    .andWhere("revision", forwards ? ">=" : "<=", revision)
    .orderBy("revision", forwards ? "asc" : "desc")
    .limit(limit);
  return selectEvents(db, page, { column: "revision", descending: !forwards });
}
