import type { Knex } from "knex";

/** What the toolkit uses of a better-sqlite3 connection. */
interface RawConnection {
  prepare(sql: string): { get(...bindings: unknown[]): unknown };
  pragma(source: string): unknown;
  close(): void;
}

/** The part of knex's better-sqlite3 client that opens a connection outside its pool. */
interface BetterSqliteClient {
  config: { client?: unknown };
  connectionSettings?: { filename?: string };
  acquireRawConnection(): Promise<RawConnection>;
}

/** The first row a statement selects, as an object; `undefined` when none. */
export interface SqliteReadConnection {
  first(sql: string, bindings: readonly unknown[]): Promise<Record<string, unknown> | undefined>;
  close(): void;
}

// Distinct SQL texts are few (one per query shape); the bound is a guard.
const maxPrepared = 32;

/**
 * On a SQLite file opened with better-sqlite3, a read connection of its own,
 * opened by knex's client (the same settings) but outside knex's pool of one:
 * a read then neither waits for the pool nor prepares its statement again, and
 * it never waits behind a write transaction (WAL: it sees committed rows only).
 * `undefined` on any other database (PostgreSQL, `:memory:`, another driver),
 * which reads through knex.
 */
export function openSqliteReadConnection(db: Knex): SqliteReadConnection | undefined {
  const client = db.client as unknown as BetterSqliteClient;
  const filename = client.connectionSettings?.filename;
  if (client.config.client !== "better-sqlite3" || filename === undefined || filename === ":memory:" || filename === "") return undefined;
  let opening: Promise<RawConnection> | undefined;
  let closed = false;
  const statements = new Map<string, ReturnType<RawConnection["prepare"]>>();

  function connection(): Promise<RawConnection> {
    opening ??= client.acquireRawConnection().then((opened) => {
      if (closed) {
        opened.close();
        throw new Error("the snapshot store is closed");
      }
      opened.pragma("busy_timeout = 5000");
      return opened;
    });
    return opening;
  }

  return {
    async first(sql, bindings) {
      if (closed) throw new Error("the snapshot store is closed");
      let statement = statements.get(sql);
      if (statement === undefined) {
        const opened = await connection();
        if (statements.size >= maxPrepared) statements.clear();
        statement = opened.prepare(sql);
        statements.set(sql, statement);
      }
      return statement.get(...bindings) as Record<string, unknown> | undefined;
    },
    close() {
      closed = true;
      statements.clear();
      void opening?.then((opened) => opened.close()).catch(() => undefined);
    },
  };
}
