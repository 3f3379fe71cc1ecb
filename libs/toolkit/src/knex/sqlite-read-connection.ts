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

export interface SqliteReadConnection {
  /**
   * The first row the query selects, as an object; `undefined` when none. `build` makes
   * the query (knex) the first time a `shape` is asked for; later calls only bind
   * `bindings`, the values of its placeholders in order (checked against knex's then).
   */
  first(shape: string, build: () => Knex.QueryBuilder, bindings: readonly unknown[]): Promise<Record<string, unknown> | undefined>;
  close(): void;
}

// Query shapes are few; the bound is a guard.
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
    async first(shape, build, bindings) {
      if (closed) throw new Error("the snapshot store is closed");
      let statement = statements.get(shape);
      if (statement === undefined) {
        const native = build().toSQL().toNative();
        if (JSON.stringify(native.bindings) !== JSON.stringify(bindings)) throw new Error(`the bindings of ${shape} are out of order: ${JSON.stringify(native.bindings)}`);
        const opened = await connection();
        if (statements.size >= maxPrepared) statements.clear();
        statement = opened.prepare(native.sql);
        statements.set(shape, statement);
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
