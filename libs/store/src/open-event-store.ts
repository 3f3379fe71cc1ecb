import { resolve } from "node:path";
import type { Dialect } from "./dialect/dialect.js";
import { createPostgresDialect } from "./dialect/postgres.js";
import { createSqliteDialect, type SqliteDriver } from "./dialect/sqlite.js";
import { InvalidInputError } from "./errors.js";
import type { EventStore } from "./event-store.js";
import { createKnexEventStore, type KnexEventStoreOptions } from "./knex-event-store.js";

export const defaultDatabase = "./data/annals.db";

export interface OpenEventStoreOptions extends Omit<KnexEventStoreOptions, "dialect"> {
  /**
   * Where the events live: a SQLite file path (optionally `sqlite:` prefixed) or a
   * `postgres://` / `postgresql://` URL. Default `./data/annals.db`.
   */
  database?: string;
  /** SQLite driver. Default `better-sqlite3`. */
  sqliteDriver?: SqliteDriver;
  /** SQLite `synchronous` pragma. Default `FULL`. */
  sqliteSynchronous?: "FULL" | "NORMAL";
  /** PostgreSQL schema holding the tables. Default `public`. */
  postgresSchema?: string;
  /** Most PostgreSQL connections. Default 10. */
  postgresPoolSize?: number;
}

/** Picks the dialect a database address names. */
export function dialectFor(options: OpenEventStoreOptions): Dialect {
  const database = options.database ?? defaultDatabase;
  if (/^postgres(ql)?:\/\//.test(database)) {
    return createPostgresDialect({ connectionString: database, schema: options.postgresSchema, poolSize: options.postgresPoolSize });
  }
  const path = database.replace(/^sqlite:(\/\/)?/, "");
  if (path.length === 0) throw new InvalidInputError("database", "an empty SQLite path");
  return createSqliteDialect({
    filename: path === ":memory:" ? path : resolve(path),
    driver: options.sqliteDriver,
    synchronous: options.sqliteSynchronous,
  });
}

/** Opens (and migrates) the event store a database address names. */
export async function openEventStore(options: OpenEventStoreOptions = {}): Promise<EventStore> {
  const dialect = dialectFor(options);
  try {
    return await createKnexEventStore({ ...options, dialect });
  } catch (error) {
    await dialect.close().catch(() => undefined);
    throw error;
  }
}
