import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import knexFactory, { type Knex } from "knex";

export interface ServiceDatabaseOptions {
  /** Most PostgreSQL connections. Default 10. */
  poolSize?: number;
}

/** A PostgreSQL URL's `schema` parameter (the toolkit's, unknown to libpq) split off. */
function splitSchema(url: string): { connectionString: string; schema: string | undefined } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? undefined;
  parsed.searchParams.delete("schema");
  return { connectionString: parsed.toString(), schema };
}

/**
 * A service's own database, for its read models and snapshots: a SQLite file
 * (WAL, `synchronous=FULL`, the folder created when missing) or a `postgres://`
 * URL, optionally with `?schema=name` (created when missing, then the search
 * path). Any other knex instance works with the toolkit too.
 */
export function openServiceDatabase(address: string, options: ServiceDatabaseOptions = {}): Knex {
  if (/^postgres(ql)?:\/\//.test(address)) {
    const { connectionString, schema } = splitSchema(address);
    const quoted = schema === undefined ? undefined : `"${schema.replace(/"/g, '""')}"`;
    return knexFactory({
      client: "pg",
      connection: connectionString,
      pool: {
        min: 0,
        max: options.poolSize ?? 10,
        ...(quoted === undefined
          ? {}
          : {
              afterCreate(connection: { query(sql: string, callback: (error: Error | null) => void): void }, done: (error: Error | null, connection: unknown) => void) {
                connection.query(`create schema if not exists ${quoted}; set search_path to ${quoted}`, (error) => done(error, connection));
              },
            }),
      },
    });
  }
  const filename = address === ":memory:" ? address : resolve(address.replace(/^sqlite:(\/\/)?/, ""));
  if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    client: "better-sqlite3",
    connection: { filename },
    useNullAsDefault: true,
    // One connection: SQLite has one writer, and transactions then never wait on each other's locks.
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: { pragma(source: string): unknown }, done: (error: Error | null, connection: unknown) => void) {
        try {
          for (const pragma of ["journal_mode = WAL", "synchronous = FULL", "busy_timeout = 5000"]) connection.pragma(pragma);
          done(null, connection);
        } catch (error) {
          done(error as Error, connection);
        }
      },
    },
  });
}

/** Whether `db` talks to PostgreSQL (a few statements differ). */
export function isPostgres(db: Knex): boolean {
  return (db.client as { dialect?: string }).dialect === "postgresql";
}
