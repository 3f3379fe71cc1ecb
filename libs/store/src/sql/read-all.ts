import type { Direction } from "../event-store.js";
import type { EventPage, PageReader } from "./select-events.js";
import { whereVisible } from "./visible-events.js";

/** One page of the global log, from `position` inclusive, in `direction`. */
export function readAllPage({ db, selectEvents, maxBytes, committedPrefix }: PageReader, position: number, direction: Direction, limit: number, now: number): Promise<EventPage> {
  const forwards = direction === "forwards";
  const events = db("events");
  const page = whereVisible((committedPrefix ? committedPrefix(events) : events).where("position", forwards ? ">=" : "<=", position), now).orderBy("position", forwards ? "asc" : "desc");
  return selectEvents(page, { column: "position", descending: !forwards }, limit, maxBytes);
}
