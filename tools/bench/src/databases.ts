import { createSqliteDialect, openEventStore, type Dialect, type EventStore, type SqliteDriver } from "@annals/store";

export const drivers: readonly SqliteDriver[] = ["better-sqlite3", "sqlite3"];

/** The store exactly as the server opens it (WAL, synchronous FULL), on `file`. */
export function openStore(file: string, driver: SqliteDriver): Promise<EventStore> {
  return openEventStore({ database: file, sqliteDriver: driver, sqliteSynchronous: "FULL" });
}

/**
 * A bare connection to a database holding the store's own schema: the store runs
 * its migrations on the file, then closes; the connection has the store's pragmas
 * and driver but none of its logic.
 */
export async function openRawDatabase(file: string, driver: SqliteDriver): Promise<Dialect> {
  const store = await openStore(file, driver);
  await store.close();
  return createSqliteDialect({ filename: file, driver, synchronous: "FULL" });
}
