import { resolve } from "node:path";
import type { Dialect } from "./dialect/dialect.js";
import { createPostgresDialect, type PostgresOrdering } from "./dialect/postgres.js";
import { createSqliteDialect, type SqliteDriver, type SqliteWriter } from "./dialect/sqlite.js";
import { InvalidInputError } from "./errors.js";
import type { EventStore } from "./event-store.js";
import { createKnexEventStore, type KnexEventStoreOptions } from "./knex-event-store.js";

export const defaultDatabase = "./data/annals.db";

export interface OpenEventStoreOptions extends Omit<KnexEventStoreOptions, "dialect"> {
  /**
   * Where the events live: a SQLite file path (optionally `sqlite:` prefixed) or a
   * `postgres://` / `postgresql://` URL. Default `./data/annals.db`. A PostgreSQL
   * URL may name the schema holding the tables with a `schema` query parameter,
   * e.g. `postgres://annals@db:5432/annals?schema=tenant_a` (see `postgresSchema`).
   */
  database?: string;
  /** SQLite driver. Default `better-sqlite3`. */
  sqliteDriver?: SqliteDriver;
  /** SQLite `synchronous` pragma. Default `FULL`. */
  sqliteSynchronous?: "FULL" | "NORMAL";
  /**
   * Where SQLite appends are written: `main` (default), on the event loop; `worker`, a
   * writer thread, so that COMMIT's fsync never blocks the event loop.
   * better-sqlite3 on a file only (see `SqliteOptions.writer`).
   */
  sqliteWriter?: SqliteWriter;
  /**
   * PostgreSQL schema holding the tables; created when missing. Default: the URL's
   * `schema` parameter, else `public`. Naming a different schema in both is an error.
   */
  postgresSchema?: string;
  /** Most PostgreSQL connections. Default 10. */
  postgresPoolSize?: number;
  /** Longest wait to open a PostgreSQL connection before failing as unavailable. Default 5,000 ms. */
  postgresConnectTimeoutMs?: number;
  /** Longest wait for a free pooled PostgreSQL connection. Default 10,000 ms. */
  postgresAcquireTimeoutMs?: number;
  /** How PostgreSQL appends are ordered (`PostgresOrdering`). Default `lock`. */
  postgresOrdering?: PostgresOrdering;
}

/** Longest PostgreSQL identifier, bytes; longer names are silently cut by the server. */
const maxIdentifierBytes = 63;

function decodeSchema(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    throw new InvalidInputError("database", "the schema parameter is not valid percent-encoding");
  }
}

/**
 * Splits the `schema` query parameter (an Annals setting, unknown to libpq) off a
 * PostgreSQL URL: the connection string without it, and the schema it names.
 */
function splitPostgresSchema(url: string): { connectionString: string; schema?: string } {
  const query = url.indexOf("?");
  if (query < 0) return { connectionString: url };
  const kept: string[] = [];
  const schemas: string[] = [];
  for (const pair of url.slice(query + 1).split("&")) {
    const equals = pair.indexOf("=");
    const key = equals < 0 ? pair : pair.slice(0, equals);
    if (key === "schema") schemas.push(decodeSchema(equals < 0 ? "" : pair.slice(equals + 1)));
    else if (pair !== "") kept.push(pair);
  }
  if (schemas.length > 1) throw new InvalidInputError("database", "names more than one schema");
  const connectionString = kept.length > 0 ? `${url.slice(0, query)}?${kept.join("&")}` : url.slice(0, query);
  return schemas.length === 0 ? { connectionString } : { connectionString, schema: schemas[0]! };
}

function postgresSchemaFor(fromUrl: string | undefined, fromOption: string | undefined): string | undefined {
  if (fromUrl !== undefined && fromOption !== undefined && fromUrl !== fromOption) {
    throw new InvalidInputError("database", `names schema "${fromUrl}" but postgresSchema is "${fromOption}"`);
  }
  const schema = fromOption ?? fromUrl;
  if (schema !== undefined && (schema.length === 0 || Buffer.byteLength(schema) > maxIdentifierBytes || schema.includes("\0"))) {
    throw new InvalidInputError("database", `a PostgreSQL schema name has 1 to ${maxIdentifierBytes} bytes`);
  }
  return schema;
}

/** Picks the dialect a database address names. */
export function dialectFor(options: OpenEventStoreOptions): Dialect {
  const database = options.database ?? defaultDatabase;
  if (/^postgres(ql)?:\/\//.test(database)) {
    const { connectionString, schema } = splitPostgresSchema(database);
    return createPostgresDialect({
      connectionString,
      schema: postgresSchemaFor(schema, options.postgresSchema),
      poolSize: options.postgresPoolSize,
      connectTimeoutMs: options.postgresConnectTimeoutMs,
      acquireTimeoutMs: options.postgresAcquireTimeoutMs,
      ordering: options.postgresOrdering,
    });
  }
  const path = database.replace(/^sqlite:(\/\/)?/, "");
  if (path.length === 0) throw new InvalidInputError("database", "an empty SQLite path");
  return createSqliteDialect({
    filename: path === ":memory:" ? path : resolve(path),
    driver: options.sqliteDriver,
    synchronous: options.sqliteSynchronous,
    writer: options.sqliteWriter,
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
