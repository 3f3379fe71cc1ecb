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
  // A committed prefix binds no values (`sqlOnce` checks it): its SQL is the same for every page too.
  const shape = `read-all-${forwards ? "forwards" : "backwards"}${committedPrefix ? "-committed" : ""}`;
  return selectEvents({ build, shape, bindings: [position, now] }, { column: "position", descending: !forwards }, limit, maxBytes);
}
