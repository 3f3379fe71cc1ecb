import knexFactory from "knex";
import type { Dialect } from "./dialect.js";

export interface PostgresOptions {
  /** A `postgres://` connection string. */
  connectionString: string;
  /** Database schema holding the tables. Default `public`. */
  schema?: string;
  /** Most connections in the pool. Default 10. */
  poolSize?: number;
}

/** Key of the transaction-level advisory lock that orders appends. */
const appendLockKey = 0x616e6e61; // "anna"

const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
]);

/**
 * PostgreSQL: one pool for reads and writes. Appends serialise on an advisory lock
 * held until commit, so positions are assigned in commit order and a `$all` reader
 * never sees a later position before an earlier one is committed.
 */
export function createPostgresDialect(options: PostgresOptions): Dialect {
  const schema = options.schema ?? "public";
  const db = knexFactory({
    client: "pg",
    connection: { connectionString: options.connectionString },
    searchPath: [schema],
    pool: { min: 0, max: options.poolSize ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
  return {
    kind: "postgres",
    name: "postgres",
    reader: db,
    writer: db,
    writeTransaction(work) {
      return db.transaction(async (trx) => {
        await trx.raw("select pg_advisory_xact_lock(?)", [appendLockKey]);
        return work(trx);
      });
    },
    isUnavailable(error) {
      const err = error as { code?: unknown; message?: unknown } | undefined;
      if (typeof err?.code === "string" && unavailableCodes.has(err.code)) return true;
      const message = typeof err?.message === "string" ? err.message : "";
      return /Connection terminated|Timeout acquiring a connection|connect ECONNREFUSED|terminating connection/.test(message);
    },
    async close() {
      await db.destroy();
    },
  };
}
