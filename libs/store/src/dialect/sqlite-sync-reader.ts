import Database from "better-sqlite3";
import type { SyncReader } from "../sql/sync-reader.js";

type Connection = Database.Database;
type Statement = Database.Statement;

// Distinct SQL texts are few (one per query shape); the bound keeps a caller that
// builds ever-new SQL (prefix lists of subscriptions) from growing the map for ever.
const maxPrepared = 128;

/**
 * A better-sqlite3 read connection of its own, used without knex's pool: its statements
 * run synchronously, so acquiring a pooled connection (a promise each) buys nothing, and
 * each SQL text is prepared once. Like the pooled readers, it is a separate connection
 * from the writer: in WAL mode it sees only committed transactions, never the writer's
 * open one. Opened on first use (after the migrations made the file).
 */
export function createSqliteSyncReader(filename: string, pragmas: readonly string[]): SyncReader & { close(): void } {
  let connection: Connection | undefined;
  const rows = new Map<string, Statement>();
  const objects = new Map<string, Statement>();
  let begin: Statement | undefined;
  let commit: Statement | undefined;
  let closed = false;

  function open(): Connection {
    if (connection !== undefined) return connection;
    if (closed) throw new Error("the store is closed");
    const opened = new Database(filename);
    try {
      for (const pragma of pragmas) opened.pragma(pragma);
      begin = opened.prepare("BEGIN");
      commit = opened.prepare("COMMIT");
    } catch (error) {
      opened.close();
      throw error;
    }
    connection = opened;
    return opened;
  }

  function prepared(cache: Map<string, Statement>, sql: string, raw: boolean): Statement {
    let found = cache.get(sql);
    if (found === undefined) {
      const db = open();
      if (cache.size >= maxPrepared) cache.clear();
      found = db.prepare(sql);
      if (raw) found.raw(true);
      cache.set(sql, found);
    }
    return found;
  }

  return {
    rows(sql, bindings) {
      return prepared(rows, sql, true).all(...bindings) as unknown[][];
    },
    first(sql, bindings) {
      return prepared(objects, sql, false).get(...bindings) as Record<string, unknown> | undefined;
    },
    snapshot(work) {
      const db = open();
      // Nested: already inside one snapshot.
      if (db.inTransaction) return work();
      begin!.run();
      try {
        return work();
      } finally {
        if (db.inTransaction) commit!.run();
      }
    },
    close() {
      closed = true;
      rows.clear();
      objects.clear();
      connection?.close();
      connection = undefined;
    },
  };
}
