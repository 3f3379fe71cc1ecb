import type { Knex } from "knex";
import type { RecordedEvent } from "../event-store.js";
import { eventColumns, toRecordedEvent, toRecordedEventFromValues, type EventRow } from "./rows.js";
import { sqlOnce, type Reads, type SyncReader } from "./sync-reader.js";

const dataIndex = eventColumns.indexOf("data");

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
}

/**
 * Reads the events a page query selects: at most `limit` events, and only as
 * many as fit in `maxBytes` of data (at least one, whatever its size). A page is
 * read in two steps, the rows' data lengths first, so that no page of large events
 * is ever loaded whole. Each backend has its own (`Dialect.pages`).
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

/** The rows statement (data as its length) and the data statement of a page; both take the limit last. */
function pageStatements(db: Knex, page: () => Knex.QueryBuilder, order: PageOrder, limit: number): { rows: Knex.QueryBuilder; data: Knex.QueryBuilder } {
  const columns = eventColumns.map((column) => (column === "data" ? db.raw("length(data)") : column));
  return {
    rows: page().limit(limit).select(columns),
    data: db.select(db.raw(`cast(group_concat(data, '' order by ?? ${order.descending ? "desc" : "asc"}) as blob)`, [order.column])).from(page().limit(limit).select(order.column, "data").as("page")),
  };
}

interface PageSql {
  rows: string;
  data: string;
  rowsBindings: readonly unknown[];
  /** The data statement's values; its last, the limit, becomes the number of rows kept. */
  dataBindings: readonly unknown[];
}

/** The SQL and values of a page's two statements, built once per shape when the query has one. */
function pageSql(db: Knex, query: PageQuery, order: PageOrder, limit: number): PageSql {
  if (query.shape !== undefined && query.bindings !== undefined) {
    const bindings = [...query.bindings, limit];
    const shape = `${query.shape}:${order.column}:${order.descending === true ? "desc" : "asc"}`;
    return {
      rows: sqlOnce(db, `${shape}:rows`, () => pageStatements(db, query.build, order, limit).rows, bindings),
      data: sqlOnce(db, `${shape}:data`, () => pageStatements(db, query.build, order, limit).data, bindings),
      rowsBindings: bindings,
      dataBindings: bindings,
    };
  }
  const statements = pageStatements(db, query.build, order, limit);
  const rows = statements.rows.toSQL().toNative();
  const data = statements.data.toSQL().toNative();
  return { rows: rows.sql, data: data.sql, rowsBindings: rows.bindings, dataBindings: data.bindings };
}

/**
 * `SelectEvents` on better-sqlite3 (`db` builds the SQL, `reader` runs it). The page is read in two statements in raw mode:
 * the rows with the length of their data, then the data of the whole page
 * concatenated in one blob that the events' `data` are views of. Rows as arrays
 * and one buffer per page instead of one per event read long replays about
 * twice as fast as the driver's objects (see `tools/bench`).
 */
export function selectEventsBetterSqlite(reader: SyncReader, db: Knex, query: PageQuery, order: PageOrder, limit: number, maxBytes: number): Promise<EventPage> {
  try {
    return Promise.resolve(readPage(reader, pageSql(db, query, order, limit), limit, maxBytes));
  } catch (error) {
    return Promise.reject(error);
  }
}

function readPage(reader: SyncReader, sql: PageSql, limit: number, maxBytes: number): EventPage {
  // One read transaction for both statements: they see the same rows even when a
  // commit (new metadata, a scavenger's batch) lands between them.
  const { rows, data, more } = reader.snapshot(() => {
    const rows = reader.rows(sql.rows, sql.rowsBindings);
    let more = rows.length === limit;
    const kept = fitting(
      rows.map((values) => values[dataIndex] as number),
      maxBytes,
    );
    if (kept < rows.length) {
      rows.length = kept;
      more = true;
    }
    if (rows.length === 0) return { rows, data: null, more };
    // The data of the rows kept, in one blob (at most `maxBytes`, or one event): far below SQLite's limit on a value.
    // A select's limit is its last placeholder (knex puts it last).
    const bindings = sql.dataBindings.slice();
    bindings[bindings.length - 1] = kept;
    return { rows, data: reader.rows(sql.data, bindings)[0]![0] as Uint8Array | null, more };
  });
  let offset = 0;
  const events = rows.map((values) => {
    const length = values[dataIndex] as number;
    values[dataIndex] = data === null ? new Uint8Array(0) : new Uint8Array(data.buffer, data.byteOffset + offset, length);
    offset += length;
    return toRecordedEventFromValues(values);
  });
  if (offset !== (data?.byteLength ?? 0)) throw new Error(`a page's data is ${data?.byteLength ?? 0} bytes, its rows say ${offset}`);
  return { events, more };
}

/** Restricts a query of `events` to the rows a reader of the global order may see without a hole (`Dialect.committedPrefix`). */
export type CommittedPrefix = (query: Knex.QueryBuilder) => Knex.QueryBuilder;

/** What the page reads need: the readers, the backend's `SelectEvents`, and the most bytes of data a page holds. */
export interface PageReader extends Reads {
  readonly selectEvents: SelectEvents;
  readonly maxBytes: number;
  /** Applied to reads of the global order that have no settled upper bound (`readAll`); absent: none needed. */
  readonly committedPrefix?: CommittedPrefix;
}
