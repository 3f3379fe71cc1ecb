import { v7 } from "uuid";

/**
 * A time-ordered (version 7, RFC 9562) UUID for a new event, in Node ≥ 20 and in
 * browsers (secure context or not: the `uuid` package needs only
 * `crypto.getRandomValues`). Ids made one after the other in a process sort in
 * that order (within a millisecond too).
 *
 * Time first, so that the ids of new events sort after those of older ones: the
 * store's unique index on event ids then grows at its end instead of taking each
 * insert at a random page. `npm run bench:rows` measures what that is worth to
 * 100-event appends on SQLite (`tools/bench/README.md`).
 */
export function newEventId(): string {
  try {
    return v7();
  } catch (error) {
    throw new Error("no Web Crypto (crypto.getRandomValues) to generate event ids: pass an id with each event", { cause: error });
  }
}
