import type { Direction } from "../event-store.js";
import type { EventPage, PageReader } from "./select-events.js";
import { whereVisible } from "./visible-events.js";

/** One page of the global log, from `position` inclusive, in `direction`. */
export function readAllPage({ db, selectEvents, maxBytes, committedPrefix }: PageReader, position: number, direction: Direction, limit: number, now: number): Promise<EventPage> {
  const forwards = direction === "forwards";
  const build = () => {
    const events = db("events");
    return whereVisible((committedPrefix ? committedPrefix(events) : events).where("position", forwards ? ">=" : "<=", position), now).orderBy("position", forwards ? "asc" : "desc");
  };
  // The committed prefix binds values of its own: only a plain read has one shape.
  const page = committedPrefix ? { build } : { build, shape: forwards ? "read-all-forwards" : "read-all-backwards", bindings: [position, now] };
  return selectEvents(page, { column: "position", descending: !forwards }, limit, maxBytes);
}
