import type { Knex } from "knex";
import type { RecordedEvent } from "../event-store.js";
import { eventColumns, toRecordedEvent, toRecordedEventFromValues, type EventRow } from "./rows.js";

interface RawStatement {
  raw(toggle: boolean): RawStatement;
  all(...bindings: readonly unknown[]): unknown[][];
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

const dataIndex = eventColumns.indexOf("data");

/** The order of a page: by position or by revision, ascending unless `descending`. */
export interface PageOrder {
  column: "position" | "revision";
  descending?: boolean;
}

/**
 * Reads the events a page query selects: a query of `events` with its conditions,
 * order and limit, but no select, whose order is `order`. Each backend has its own
 * (`Dialect.selectEvents`).
 */
export type SelectEvents = (page: Knex.QueryBuilder, order: PageOrder) => Promise<RecordedEvent[]>;

/** `SelectEvents` through knex: rows as objects. */
export async function selectEventsKnex(page: Knex.QueryBuilder): Promise<RecordedEvent[]> {
  const rows: EventRow[] = await page.clone().select(eventColumns);
  return rows.map(toRecordedEvent);
}

/**
 * `SelectEvents` on better-sqlite3 (`db` is the reader pool). The page is read in two prepared statements in raw mode:
 * the rows with the length of their data, then the data of the whole page
 * concatenated in one blob that the events' `data` are views of. Rows as arrays
 * and one buffer per page instead of one per event read long replays about
 * twice as fast as the driver's objects (see `tools/bench`).
 */
export async function selectEventsBetterSqlite(db: Knex, page: Knex.QueryBuilder, order: PageOrder): Promise<RecordedEvent[]> {
  const client = db.client as PooledClient;
  const columns = eventColumns.map((column) => (column === "data" ? db.raw("length(data)") : column));
  const rowsQuery = page.clone().select(columns).toSQL().toNative();
  const dataQuery = db
    .select(db.raw(`cast(group_concat(data, '' order by ?? ${order.descending ? "desc" : "asc"}) as blob)`, [order.column]))
    .from(page.clone().select(order.column, "data").as("page"))
    .toSQL()
    .toNative();
  const connection = (await client.acquireConnection()) as BetterSqliteConnection;
  let rows: unknown[][];
  let data: Uint8Array | null;
  try {
    rows = statement(connection, rowsQuery.sql).all(...rowsQuery.bindings);
    data = rows.length === 0 ? null : (statement(connection, dataQuery.sql).all(...dataQuery.bindings)[0]![0] as Uint8Array | null);
  } finally {
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
  return events;
}

/** What the page reads need: the reader pool and the backend's `SelectEvents`. */
export interface PageReader {
  readonly db: Knex;
  readonly selectEvents: SelectEvents;
}
