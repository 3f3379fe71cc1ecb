import type { Direction } from "../event-store.js";
import type { EventPage, PageReader } from "./select-events.js";
import { whereVisible } from "./visible-events.js";

/** One page of a stream, from `revision` inclusive, in `direction`. */
export function readStreamPage({ db, selectEvents, maxBytes }: PageReader, stream: string, revision: number, direction: Direction, limit: number, now: number): Promise<EventPage> {
  const forwards = direction === "forwards";
  return selectEvents(
    {
      build: () => whereVisible(db("events").where("stream", stream).andWhere("revision", forwards ? ">=" : "<=", revision), now).orderBy("revision", forwards ? "asc" : "desc"),
      shape: forwards ? "read-stream-forwards" : "read-stream-backwards",
      bindings: [stream, revision, now],
      stream,
    },
    { column: "revision", descending: !forwards },
    limit,
    maxBytes,
  );
}
