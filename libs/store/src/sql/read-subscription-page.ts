import type { Knex } from "knex";
import type { EventSelector } from "../subscriptions/selector.js";
import type { EventPage, PageReader } from "./select-events.js";
import { whereVisible } from "./visible-events.js";

/**
 * `column` starts with one of `prefixes`. `substr` counts characters on both
 * SQLite and PostgreSQL and compares exactly (unlike LIKE, which SQLite folds
 * to one case and which treats `_` and `%` as patterns).
 */
function whereStartsWith(query: Knex.QueryBuilder, column: string, prefixes: readonly string[]): void {
  if (prefixes.length === 0) return;
  query.where((any) => {
    for (const prefix of prefixes) any.orWhereRaw("substr(??, 1, ?) = ?", [column, [...prefix].length, prefix]);
  });
}

function whereSelected(query: Knex.QueryBuilder, selector: EventSelector): Knex.QueryBuilder {
  if (selector.stream !== undefined) query.where("stream", selector.stream);
  if (selector.category !== undefined) whereStartsWith(query, "stream", [selector.category]);
  whereStartsWith(query, "stream", selector.streamPrefixes);
  whereStartsWith(query, "type", selector.typePrefixes);
  return query;
}

/** The selected events with `after < position <= upTo`, in position order, at most `limit`. */
export function readPositionRange({ db, selectEvents, maxBytes }: PageReader, selector: EventSelector, after: number, upTo: number, limit: number, now: number): Promise<EventPage> {
  const build = () => whereVisible(whereSelected(db("events").where("position", ">", after).andWhere("position", "<=", upTo), selector), now).orderBy("position", "asc");
  return selectEvents({ build, stream: selector.stream }, { column: "position" }, limit, maxBytes);
}

/** The selected events of `selector.stream` after `revision`, up to position `upTo`, in order, at most `limit`. */
export function readStreamAfter({ db, selectEvents, maxBytes }: PageReader, selector: EventSelector, revision: number, upTo: number, limit: number, now: number): Promise<EventPage> {
  const build = () => whereVisible(whereSelected(db("events").where("revision", ">", revision).andWhere("position", "<=", upTo), selector), now).orderBy("revision", "asc");
  return selectEvents({ build, stream: selector.stream }, { column: "revision" }, limit, maxBytes);
}

/** The last revision `stream` had at position `upTo`; -1 when it had no event by then. */
export async function streamRevisionAt(db: Knex, stream: string, upTo: number): Promise<number> {
  const row: { revision: number | string } | undefined = await db("events")
    .select("revision")
    .where("stream", stream)
    .andWhere("position", "<=", upTo)
    .orderBy("revision", "desc")
    .first();
  return row === undefined ? -1 : Number(row.revision);
}
