import type { Knex } from "knex";
import type { RecordedEvent } from "../event-store.js";
import { eventColumns, toRecordedEvent, toRecordedEventFromValues, type EventRow } from "./rows.js";

interface RawStatement {
  raw(toggle: boolean): RawStatement;
  all(...bindings: readonly unknown[]): unknown[][];
  run(...bindings: readonly unknown[]): unknown;
}

interface BetterSqliteConnection {
  prepare(sql: string): RawStatement;
}

interface PooledClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/** Prepared statements per better-sqlite3 connection; the SQL varies only with the number of prefixes. */
const prepared = new WeakMap<object, Map<string, RawStatement>>();
const maxPreparedPerConnection = 64;

function statement(connection: BetterSqliteConnection, sql: string): RawStatement {
  let cache = prepared.get(connection);
  if (cache === undefined) {
    cache = new Map();
    prepared.set(connection, cache);
  }
  let found = cache.get(sql);
  if (found === undefined) {
    if (cache.size >= maxPreparedPerConnection) cache.clear();
    found = connection.prepare(sql).raw(true);
    cache.set(sql, found);
  }
  return found;
}

const transactions = new WeakMap<object, { begin: RawStatement; commit: RawStatement }>();

function transactionStatements(connection: BetterSqliteConnection): { begin: RawStatement; commit: RawStatement } {
  let found = transactions.get(connection);
  if (found === undefined) {
    found = { begin: connection.prepare("BEGIN"), commit: connection.prepare("COMMIT") };
    transactions.set(connection, found);
  }
  return found;
}

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
 * Reads the events a page query selects: a query of `events` with its conditions,
 * its order (`order`) and no select or limit; at most `limit` events, and only as
 * many as fit in `maxBytes` of data (at least one, whatever its size). A page is
 * read in two steps, the rows' data lengths first, so that no page of large events
 * is ever loaded whole. Each backend has its own (`Dialect.pages`).
 */
export type SelectEvents = (page: Knex.QueryBuilder, order: PageOrder, limit: number, maxBytes: number) => Promise<EventPage>;

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
export async function selectEventsKnex(page: Knex.QueryBuilder, _order: PageOrder, limit: number, maxBytes: number): Promise<EventPage> {
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
 * `SelectEvents` on better-sqlite3 (`db` is the reader pool). The page is read in two prepared statements in raw mode:
 * the rows with the length of their data, then the data of the whole page
 * concatenated in one blob that the events' `data` are views of. Rows as arrays
 * and one buffer per page instead of one per event read long replays about
 * twice as fast as the driver's objects (see `tools/bench`).
 */
export async function selectEventsBetterSqlite(db: Knex, page: Knex.QueryBuilder, order: PageOrder, limit: number, maxBytes: number): Promise<EventPage> {
  const client = db.client as PooledClient;
  const columns = eventColumns.map((column) => (column === "data" ? db.raw("length(data)") : column));
  const rowsQuery = page.clone().limit(limit).select(columns).toSQL().toNative();
  const connection = (await client.acquireConnection()) as BetterSqliteConnection;
  let rows: unknown[][];
  let data: Uint8Array | null;
  let more: boolean;
  // One read transaction for both statements: they see the same rows even when a
  // commit (new metadata, a scavenger's batch) lands between them.
  transactionStatements(connection).begin.run();
  try {
    rows = statement(connection, rowsQuery.sql).all(...rowsQuery.bindings);
    more = rows.length === limit;
    const kept = fitting(
      rows.map((values) => values[dataIndex] as number),
      maxBytes,
    );
    if (kept < rows.length) {
      rows.length = kept;
      more = true;
    }
    // The data of the rows kept, in one blob (at most `maxBytes`, or one event): far below SQLite's limit on a value.
    const dataQuery = db
      .select(db.raw(`cast(group_concat(data, '' order by ?? ${order.descending ? "desc" : "asc"}) as blob)`, [order.column]))
      .from(page.clone().limit(kept).select(order.column, "data").as("page"))
      .toSQL()
      .toNative();
    data = rows.length === 0 ? null : (statement(connection, dataQuery.sql).all(...dataQuery.bindings)[0]![0] as Uint8Array | null);
  } finally {
    transactionStatements(connection).commit.run();
    await client.releaseConnection(connection);
  }
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

/** What the page reads need: the reader pool, the backend's `SelectEvents`, and the most bytes of data a page holds. */
export interface PageReader {
  readonly db: Knex;
  readonly selectEvents: SelectEvents;
  readonly maxBytes: number;
  /** Applied to reads of the global order that have no settled upper bound (`readAll`); absent: none needed. */
  readonly committedPrefix?: CommittedPrefix;
}
