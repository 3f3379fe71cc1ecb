import type { Knex } from "knex";
import type { Direction } from "../event-store.js";
import type { EventPage, PageOrder, PageQuery, PageReader } from "./select-events.js";
import { whereVisible } from "./visible-events.js";

/** The page query of a stream from `revision` inclusive, in `direction`, and its order. */
export function streamPageQuery(db: Knex, stream: string, revision: number, direction: Direction, now: number): { query: PageQuery; order: PageOrder } {
  const forwards = direction === "forwards";
  return {
    query: {
      build: () => whereVisible(db("events").where("stream", stream).andWhere("revision", forwards ? ">=" : "<=", revision), now).orderBy("revision", forwards ? "asc" : "desc"),
      shape: forwards ? "read-stream-forwards" : "read-stream-backwards",
      bindings: [stream, revision, now],
      stream,
    },
    order: { column: "revision", descending: !forwards },
  };
}

/** One page of a stream, from `revision` inclusive, in `direction`. */
export function readStreamPage({ db, selectEvents, maxBytes }: PageReader, stream: string, revision: number, direction: Direction, limit: number, now: number): Promise<EventPage> {
  const { query, order } = streamPageQuery(db, stream, revision, direction, now);
  return selectEvents(query, order, limit, maxBytes);
}
