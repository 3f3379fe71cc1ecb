import type { Direction, RecordedEvent } from "../event-store.js";
import type { PageReader } from "./select-events.js";

/** One page of a stream, from `revision` inclusive, in `direction`. */
export function readStreamPage({ db, selectEvents }: PageReader, stream: string, revision: number, direction: Direction, limit: number): Promise<RecordedEvent[]> {
  const forwards = direction === "forwards";
  const page = db("events")
    .where("stream", stream)
    .andWhere("revision", forwards ? ">=" : "<=", revision)
    .orderBy("revision", forwards ? "asc" : "desc")
    .limit(limit);
  return selectEvents(page, { column: "revision", descending: !forwards });
}
