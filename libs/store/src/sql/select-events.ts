import type { Knex } from "knex";
import type { RecordedEvent } from "../event-store.js";
import { eventColumns, toRecordedEvent, toRecordedEventFromValues, type EventRow } from "./rows.js";
import { sqlOnce, type Reads, type SyncReader } from "./sync-reader.js";

const dataIndex = eventColumns.indexOf("data");
const streamIndex = eventColumns.indexOf("stream");
/** Where the rows statement puts the data of a small event (`inlineBytes`), after the event's columns. */
const inlineIndex = eventColumns.length;

/** The order of a page: by position or by revision, ascending unless `descending`. */
export interface PageOrder {
  column: "position" | "revision";
  descending?: boolean;
}

/** A page of events, bounded by rows and by bytes. */
export interface EventPage {
  events: RecordedEvent[];
  /**
   * False when the page holds every event its query selects; true when it stopped
   * at its row limit or its byte bound and more may follow after its last event.
   */
  more: boolean;
}

/**
 * A page query: a query of `events` with its conditions and its order (`order`), no
 * select and no limit. With a `shape`, its SQL is built once and only `bindings`
 * (the values of its placeholders, in order) change from one page to the next.
 */
export interface PageQuery {
  build(): Knex.QueryBuilder;
  /** Names the query's SQL text (with the backend): same shape, same SQL. */
  shape?: string;
  /** With `shape`: the values `build` binds, in the order of its placeholders. */
  bindings?: readonly unknown[];
  /**
   * The stream every event the query selects is in, when its conditions name one
   * (`stream = ?`, an exact match on both backends). Its rows then leave the stream
   * name out, and the page's events take this one: a column less to decode per row.
   */
  stream?: string;
}

/**
 * Reads the events a page query selects: at most `limit` events, and only as
 * many as fit in `maxBytes` of data (at least one, whatever its size). No page of
 * large events is ever loaded whole: the rows' data lengths are read first, with the
 * data itself only for events small enough (`inlineBytes`), and a page that keeps a
 * larger one reads its data in a second step. Each backend has its own (`Dialect.pages`).
 */
export type SelectEvents = (page: PageQuery, order: PageOrder, limit: number, maxBytes: number) => Promise<EventPage>;

/** How many of the first rows fit in `maxBytes` (at least one). */
function fitting(lengths: readonly number[], maxBytes: number): number {
  let bytes = 0;
  for (let index = 0; index < lengths.length; index += 1) {
    bytes += lengths[index]!;
    if (bytes > maxBytes && index > 0) return index;
  }
  return lengths.length;
}

/** `SelectEvents` through knex: the data lengths, then the rows that fit, as objects. */
export async function selectEventsKnex(query: PageQuery, _order: PageOrder, limit: number, maxBytes: number): Promise<EventPage> {
  const page = query.build();
  const sizes: Array<{ data_length: number | string }> = await page.clone().limit(limit).select(page.client.raw("length(data) as data_length"));
  const kept = fitting(
    sizes.map((row) => Number(row.data_length)),
    maxBytes,
  );
  if (kept === 0) return { events: [], more: false };
  const rows: EventRow[] = await page.clone().limit(kept).select(eventColumns);
  // Rows committed between the two reads can only follow the page's last event (positions commit in order).
  return { events: rows.map(toRecordedEvent), more: kept < sizes.length || sizes.length === limit };
}

/**
 * The largest event whose data the rows statement carries itself: a page's share per
 * row of its byte bound, so that the statement never loads more than `maxBytes` of
 * data, however many of its rows are past the ones the page keeps.
 */
function inlineBytes(limit: number, maxBytes: number): number {
  return Math.floor(maxBytes / limit);
}

/** A rows statement's value for `column`: the data as its length, no stream name when the query names its stream. */
function rowsColumn(db: Knex, column: (typeof eventColumns)[number], query: PageQuery): string | Knex.Raw {
  if (column === "data") return db.raw("length(data)");
  if (column === "stream" && query.stream !== undefined) return db.raw("null");
  return column;
}

/**
 * A page's rows statement: the event's columns with its data as its length (and its
 * stream as null when `query.stream` names it), then the data itself when it is at
 * most `inline` bytes; it takes `inline` first and the limit last.
 */
function rowsStatement(db: Knex, query: PageQuery, limit: number, inline: number): Knex.QueryBuilder {
  const columns = [...eventColumns.map((column) => rowsColumn(db, column, query)), db.raw("case when length(data) <= ? then data end", [inline])];
  return query.build().limit(limit).select(columns);
}

/** A page's data statement (SQLite): the data of its rows concatenated in one blob, in the page's order; it takes the limit last. */
function dataStatement(db: Knex, page: () => Knex.QueryBuilder, order: PageOrder, limit: number): Knex.QueryBuilder {
  return db.select(db.raw(`cast(group_concat(data, '' order by ?? ${order.descending ? "desc" : "asc"}) as blob)`, [order.column])).from(page().limit(limit).select(order.column, "data").as("page"));
}

/** A page query's SQL text and values. `shape` names the text when it is the same for every page of its kind. */
export interface Statement {
  sql: string;
  bindings: readonly unknown[];
  shape?: string;
}

/** The name of a shaped query's statements in `order`. */
function shapeOf(query: PageQuery, order: PageOrder): string | undefined {
  if (query.shape === undefined || query.bindings === undefined) return undefined;
  return `${query.shape}:${order.column}:${order.descending === true ? "desc" : "asc"}`;
}

/**
 * A page's rows statement (`rowsStatement`) in the backend's SQL, its values bound: the
 * first row of `limit` a page may keep whole is at most `inlineBytes` of data. A shaped
 * query's SQL is built once (`sqlOnce`).
 */
export function rowsSql(db: Knex, query: PageQuery, order: PageOrder, limit: number, maxBytes: number): Statement {
  const inline = inlineBytes(limit, maxBytes);
  const shape = shapeOf(query, order);
  if (shape !== undefined) {
    const bindings = [inline, ...query.bindings!, limit];
    return { sql: sqlOnce(db, `${shape}:rows`, () => rowsStatement(db, query, limit, inline), bindings), bindings, shape: `${shape}:rows` };
  }
  const native = rowsStatement(db, query, limit, inline).toSQL().toNative();
  return { sql: native.sql, bindings: native.bindings as readonly unknown[] };
}

interface PageSql {
  rows: string;
  data: string;
  rowsBindings: readonly unknown[];
  /** The data statement's values; its last, the limit, becomes the number of rows kept. */
  dataBindings: readonly unknown[];
}

/** The SQL and values of a page's two statements (SQLite), built once per shape when the query has one. */
function pageSql(db: Knex, query: PageQuery, order: PageOrder, limit: number, maxBytes: number): PageSql {
  const rows = rowsSql(db, query, order, limit, maxBytes);
  const shape = shapeOf(query, order);
  if (shape !== undefined) {
    const bindings = [...query.bindings!, limit];
    return { rows: rows.sql, rowsBindings: rows.bindings, data: sqlOnce(db, `${shape}:data`, () => dataStatement(db, query.build, order, limit), bindings), dataBindings: bindings };
  }
  const data = dataStatement(db, query.build, order, limit).toSQL().toNative();
  return { rows: rows.sql, rowsBindings: rows.bindings, data: data.sql, dataBindings: data.bindings };
}

/**
 * `SelectEvents` on better-sqlite3 (`db` builds the SQL, `reader` runs it), rows as arrays
 * (raw mode). The rows statement gives each row's data length, and its data when that is
 * at most the page's share per row (`inlineBytes`): when every row kept has it, that one
 * statement is the page (a short read, as after a snapshot, runs one statement instead of
 * four: about 10 % of a 5-event load over gRPC). Otherwise, in one read transaction, the
 * rows again, then the data of the whole page concatenated in one blob that the events'
 * `data` are views of; rows as arrays and one buffer per page read long replays about
 * twice as fast as the driver's objects (see `tools/bench`).
 */
export function selectEventsBetterSqlite(reader: SyncReader, db: Knex, query: PageQuery, order: PageOrder, limit: number, maxBytes: number): Promise<EventPage> {
  try {
    return Promise.resolve(readPage(reader, pageSql(db, query, order, limit, maxBytes), query, limit, maxBytes));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** How many rows to keep of `rows` (the rows statement's), within `limit` rows and `maxBytes`, and whether more may follow. */
function keptOf(rows: readonly unknown[][], limit: number, maxBytes: number): { kept: number; more: boolean } {
  const kept = fitting(
    rows.map((values) => values[dataIndex] as number),
    maxBytes,
  );
  return { kept, more: rows.length === limit || kept < rows.length };
}

/**
 * The page that `rows` (the rows statement of `query`, which it cuts to those kept)
 * make by themselves when every row kept carries its data; `undefined` when one does not.
 */
export function inlinePage(rows: unknown[][], query: PageQuery, limit: number, maxBytes: number): EventPage | undefined {
  const { kept, more } = keptOf(rows, limit, maxBytes);
  rows.length = kept;
  if (!rows.every((values) => values[inlineIndex] !== null)) return undefined;
  return { events: rows.map((values) => toRecordedEventFromValues(completed(values, values[inlineIndex] as Uint8Array, query))), more };
}

function readPage(reader: SyncReader, sql: PageSql, query: PageQuery, limit: number, maxBytes: number): EventPage {
  // One statement, no transaction, when every row kept carries its data (small events).
  const inline = inlinePage(reader.rows(sql.rows, sql.rowsBindings), query, limit, maxBytes);
  if (inline !== undefined) return inline;
  // Otherwise the rows, then the data of those kept in one blob (at most `maxBytes`, or one
  // event: far below SQLite's limit on a value), in one read transaction: both statements
  // see the same rows even when a commit (new metadata, a scavenger's batch) lands between them.
  const { rows, data, more } = reader.snapshot(() => {
    const rows = reader.rows(sql.rows, sql.rowsBindings);
    const { kept, more } = keptOf(rows, limit, maxBytes);
    rows.length = kept;
    if (kept === 0) return { rows, data: null, more };
    // A select's limit is its last placeholder (knex puts it last).
    const bindings = sql.dataBindings.slice();
    bindings[bindings.length - 1] = kept;
    return { rows, data: reader.rows(sql.data, bindings)[0]![0] as Uint8Array | null, more };
  });
  let offset = 0;
  const events = rows.map((values) => {
    const length = values[dataIndex] as number;
    const view = data === null ? new Uint8Array(0) : new Uint8Array(data.buffer, data.byteOffset + offset, length);
    offset += length;
    return toRecordedEventFromValues(completed(values, view, query));
  });
  if (offset !== (data?.byteLength ?? 0)) throw new Error(`a page's data is ${data?.byteLength ?? 0} bytes, its rows say ${offset}`);
  return { events, more };
}

/**
 * A row of the rows statement of `query` as a row of `eventColumns`: its data column
 * (its length until then) set to `data`, and its stream to the query's when it names one.
 */
function completed(values: unknown[], data: Uint8Array, query: PageQuery): unknown[] {
  values[dataIndex] = data;
  if (query.stream !== undefined) values[streamIndex] = query.stream;
  return values;
}

/** Restricts a query of `events` to the rows a reader of the global order may see without a hole (`Dialect.committedPrefix`); it binds no values. */
export type CommittedPrefix = (query: Knex.QueryBuilder) => Knex.QueryBuilder;

/** What the page reads need: the readers, the backend's `SelectEvents`, and the most bytes of data a page holds. */
export interface PageReader extends Reads {
  readonly selectEvents: SelectEvents;
  readonly maxBytes: number;
  /** Applied to reads of the global order that have no settled upper bound (`readAll`); absent: none needed. */
  readonly committedPrefix?: CommittedPrefix;
}
