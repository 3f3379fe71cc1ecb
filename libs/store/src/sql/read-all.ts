import type { Direction, RecordedEvent } from "../event-store.js";
import type { PageReader } from "./select-events.js";

/** One page of the global log, from `position` inclusive, in `direction`. */
export function readAllPage({ db, selectEvents }: PageReader, position: number, direction: Direction, limit: number): Promise<RecordedEvent[]> {
  const forwards = direction === "forwards";
  const page = db("events")
    .where("position", forwards ? ">=" : "<=", position)
    .orderBy("position", forwards ? "asc" : "desc")
    .limit(limit);
  return selectEvents(page, { column: "position", descending: !forwards });
}
