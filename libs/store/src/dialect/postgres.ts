import { createHash } from "node:crypto";
import knexFactory from "knex";
import pg from "pg";
import type { Knex } from "knex";
import { appendBatch, type BatchStatements, type TakePositions, type WriteRows } from "../sql/append-batch.js";
import { selectEventsPostgres } from "../sql/select-events-postgres.js";
import { lookUpPostgres } from "../sql/look-up-postgres.js";
import { writeRowsPostgres } from "../sql/write-rows-postgres.js";
import type { Dialect } from "./dialect.js";
import { createPostgresCommitChannel } from "./postgres-commit-channel.js";
import { createPostgresReadPool } from "./postgres-read-pool.js";
import { pipelinedTransaction, type PostgresSession } from "./postgres-session.js";

/**
 * How appends are ordered on PostgreSQL (`docs/architecture.md`, "PostgreSQL ordering"):
 * - `lock`: a transaction-level advisory lock held until commit; positions are the
 *   last committed one plus one, so they have no holes, and one append transaction
 *   of a schema runs at a time (its commit included).
 * - `xid`: positions from a sequence, taken under a short lock in the order of
 *   transaction ids; transactions commit in parallel; `$all` readers keep to the
 *   transactions below their snapshot's xmin. Positions still rise along `$all` and are
 *   never seen out of order, but a rolled-back append leaves a hole; and as transaction
 *   ids are server-wide, any open transaction on the server (any database) holds `$all`
 *   readers back until it ends: an acknowledged append may show in `$all` only later.
 */
export type PostgresOrdering = "lock" | "xid";

export const postgresOrderings: readonly PostgresOrdering[] = ["lock", "xid"];

export interface PostgresOptions {
  /** A `postgres://` connection string. */
  connectionString: string;
  /** Database schema holding the tables; created when missing. Default `public`. */
  schema?: string;
  /**
   * Most connections the store opens (beside the commit channel's listener and the
   * migration lock's): half for page reads, the rest for appends and the other
   * statements, at least one each. Default 10.
   */
  poolSize?: number;
  /**
   * Longest wait to open one connection (TCP and start-up) before the request fails
   * as unavailable. Default 5,000 ms.
   */
  connectTimeoutMs?: number;
  /** Longest wait for a free pooled connection. Default 10,000 ms. */
  acquireTimeoutMs?: number;
  /** How appends are ordered. Default `lock`. */
  ordering?: PostgresOrdering;
}

/**
 * First key of the transaction-level advisory lock that orders appends ("anna");
 * the second key is derived from the schema (`appendLockKeys`), so that stores in
 * different schemas of one database do not wait for each other.
 */
export const appendLockKey = 0x616e6e61;

/** First key of the transaction-level advisory lock a scavenger batch holds ("anns"); the second is the schema's. */
export const scavengeLockKey = 0x616e6e73;

/** Key of the session-level advisory lock held while a store migrates ("annm"). */
export const migrationLockKey = 0x616e6e6d;

/** A signed 32-bit key derived from the schema name. */
export function schemaLockKey(schema: string): number {
  return createHash("sha256").update(schema).digest().readInt32BE(0);
}

/**
 * The two keys of `pg_advisory_xact_lock(int, int)` that every append to `schema`
 * takes: `select pg_advisory_xact_lock($1, $2)`.
 */
export function appendLockKeys(schema: string): readonly [number, number] {
  return [appendLockKey, schemaLockKey(schema)];
}

/** Errors a transaction of the `xid` ordering meets when a concurrent one wrote the same stream or id first: it runs again. */
const retriedCodes = new Set(["23505", "40P01", "40001"]); // unique_violation, deadlock_detected, serialization_failure
const maxAttempts = 8;
/** Most group-commit transactions one store runs at once under the xid ordering. */
const maxConcurrentWriters = 8;

function retried(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && retriedCodes.has(code);
}

/**
 * Rows of `events` a `$all` reader may see under the `xid` ordering: those written by
 * transactions that ended before the reader's snapshot began (below its xmin). As
 * positions come in transaction-id order, every lower position is then settled.
 */
function belowSnapshotXmin(query: Knex.QueryBuilder): Knex.QueryBuilder {
  return query.whereRaw("txid < pg_snapshot_xmin(pg_current_snapshot())");
}

/**
 * Planner settings of every store session. Every store statement is keyed: reads
 * page along an index (`position`, or `stream, revision`) and stop at their limit;
 * an append's lookup finds its streams and ids by key. On a table the server has
 * not analysed yet (autovacuum off, or not yet run after a burst of writes) the
 * planner otherwise plans a page as a scan of the rest of the log and a top-N sort,
 * so a long read grows with the square of its length; and the generic plan of a
 * prepared append statement, made while the tables were small, goes on scanning
 * them whole as they grow. Without sorts and sequential scans the planner walks the
 * indexes; a query with no index to walk still scans and sorts.
 */
export const sessionPlannerSettings: Readonly<Record<string, string>> = { enable_sort: "off", enable_seqscan: "off" };

/** `sessionPlannerSettings` as the `options` of a session's start-up packet. */
export const sessionPlannerOptions = Object.entries(sessionPlannerSettings)
  .map(([name, value]) => `-c ${name}=${value}`)
  .join(" ");

/** Appends never leave their transaction idle for long: a stalled writer is cut off. */
const idleInTransactionTimeoutMs = 30_000;

const unavailableCodes = new Set([
  // postgres.js (the read pool): a connection that could not open or was lost.
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
]);

const unavailableMessages =
  /Connection terminated|Timeout acquiring a connection|connect ECONNREFUSED|terminating connection|not queryable|Connection ended|the database system is (starting up|shutting down|in recovery mode)/;

function isUnavailableError(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== "object" || depth > 4) return false;
  const err = error as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (typeof err.code === "string" && (unavailableCodes.has(err.code) || err.code.startsWith("08"))) return true;
  if (err.name === "KnexTimeoutError") return true;
  if (typeof err.message === "string" && unavailableMessages.test(err.message)) return true;
  // Node reports a refused dual-stack connect as an AggregateError of the attempts.
  if (Array.isArray(err.errors) && err.errors.some((inner) => isUnavailableError(inner, depth + 1))) return true;
  return isUnavailableError(err.cause, depth + 1);
}

/**
 * Knex prints every failed connection attempt and every lost pooled connection to
 * the console; callers learn of them as `StoreUnavailableError` instead.
 */
function knexLog() {
  return {
    warn(message: unknown) {
      if (typeof message === "string" && /^(Acquire connection error|Connection Error)/.test(message)) return;
      console.warn(message);
    },
  };
}

/**
 * PostgreSQL: knex's pool for appends, metadata and maintenance, and a pool of its own
 * for page reads (`postgres-read-pool.ts`). Appends serialise on an advisory lock
 * held until commit, so positions are assigned in commit order and a `$all` reader
 * never sees a later position before an earlier one is committed.
 */
export function createPostgresDialect(options: PostgresOptions): Dialect {
  const schema = options.schema ?? "public";
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const [lockKey, lockSchemaKey] = appendLockKeys(schema);
  const ordering = options.ordering ?? "lock";
  const poolSize = options.poolSize ?? 10;
  // Page reads have a pool of their own (`postgres-read-pool.ts`); the two share `poolSize`, at least one connection each.
  const readPoolSize = Math.max(1, Math.floor(poolSize / 2));
  const knexPoolSize = Math.max(1, poolSize - readPoolSize);
  // node-postgres's own settings; `pipeline` is newer than knex's types of them.
  const connection: Knex.PgConnectionConfig & { pipeline: boolean } = {
    connectionString: options.connectionString,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    // Statements go out without waiting for the answers before them (`postgres-session.ts`).
    pipeline: true,
    options: sessionPlannerOptions,
    // A writer cut off mid-transaction (without its socket closing) would keep the
    // append lock; the server ends such a session after this long.
    idle_in_transaction_session_timeout: idleInTransactionTimeoutMs,
  };
  const db = knexFactory({
    client: "pg",
    connection,
    searchPath: [schema],
    pool: { min: 0, max: knexPoolSize },
    acquireConnectionTimeout: options.acquireTimeoutMs ?? 10_000,
    log: knexLog(),
  });
  const takePositions: TakePositions<PostgresSession> | undefined =
    ordering === "xid"
      ? async (session, count) => {
          const [row] = await session.query<{ last_position: string; now_ms: string }>(
            "select last_position, now_ms from annals_take_positions($1, $2, $3)",
            [lockKey, lockSchemaKey, count],
            "annals_take_positions",
          );
          return { lastPosition: Number(row!.last_position), now: Number(row!.now_ms) };
        }
      : undefined;
  const committedPrefix = ordering === "xid" ? belowSnapshotXmin : undefined;
  const readPool = createPostgresReadPool({ connectionString: options.connectionString, schema, size: readPoolSize, connectTimeoutMs, settings: sessionPlannerSettings });
  const commitChannel = createPostgresCommitChannel({ connectionString: options.connectionString, schema, connectTimeoutMs });
  // The rows and the notice that tells other instances of them go in one statement.
  const writeRows: WriteRows<PostgresSession> = (session, rows, headRows) =>
    writeRowsPostgres(session, rows, headRows, commitChannel.notice(Number(rows[rows.length - 1]!.position)));
  // In the lock ordering the lookup takes the append lock: one round trip fewer than a statement of its own.
  const statements: BatchStatements<PostgresSession> = { lookUp: lookUpPostgres(ordering === "lock" ? [lockKey, lockSchemaKey] : undefined), writeRows, takePositions };

  /**
   * Runs `transaction` in the ordering's way: once under the `lock` ordering; under
   * `xid`, again when a concurrent transaction wrote the same stream revision or event
   * id first (it fails on the unique index), on what is committed by then.
   */
  async function ordered<T>(transaction: () => Promise<T>): Promise<T> {
    if (ordering === "lock") return transaction();
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await transaction();
      } catch (error) {
        if (attempt >= maxAttempts || !retried(error)) throw error;
      }
    }
  }

  /** A knex transaction in the ordering's way: under `lock`, holding the append lock. */
  function orderedTransaction<T>(work: (trx: Knex) => Promise<T>): Promise<T> {
    if (ordering === "lock") {
      return db.transaction(async (trx) => {
        await trx.raw("select pg_advisory_xact_lock(?, ?)", [lockKey, lockSchemaKey]);
        return work(trx);
      });
    }
    return ordered(() => db.transaction(work));
  }

  return {
    kind: "postgres",
    name: ordering === "xid" ? "postgres (xid ordering)" : "postgres",
    reader: db,
    writer: db,
    schema,
    // Parallel commits are the point of the xid ordering; the read pool is the other half.
    concurrentWriters: ordering === "xid" ? Math.min(maxConcurrentWriters, Math.max(1, Math.floor(poolSize / 2))) : 1,
    // Appends, the hot path, run on a pipelined session: two round trips each (three under `xid`).
    commitAppends: (commands, now) => ordered(() => pipelinedTransaction(db, (session) => appendBatch(session, commands, now, statements))),
    pages: { db, selectEvents: selectEventsPostgres(db, readPool), committedPrefix },
    committedPrefix,
    commitChannel,
    writeTransaction: (work) => orderedTransaction(work),
    async maintenanceTransaction(work) {
      return db.transaction(async (trx) => {
        const [row] = (await trx.raw("select pg_try_advisory_xact_lock(?, ?) as locked", [scavengeLockKey, lockSchemaKey])).rows as Array<{ locked: boolean }>;
        if (row?.locked !== true) return undefined;
        return work(trx);
      });
    },
    async migrationGuard(migrate) {
      // A connection of its own: the lock lives as long as the session, whatever
      // the pool does meanwhile (and a pool of one connection still works).
      const client = new pg.Client({ connectionString: options.connectionString, connectionTimeoutMillis: connectTimeoutMs });
      client.on("error", () => undefined);
      await client.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [migrationLockKey]);
        const found = await client.query("select 1 from pg_namespace where nspname = $1", [schema]);
        if (found.rowCount === 0) await client.query(`create schema ${client.escapeIdentifier(schema)}`);
        return await migrate();
      } finally {
        // Ending the session releases the lock too.
        await client.end().catch(() => undefined);
      }
    },
    isUnavailable(error) {
      return isUnavailableError(error);
    },
    isStorageFull(error) {
      const code = (error as { code?: unknown } | undefined)?.code;
      // disk_full, out_of_memory's sibling for space; a tablespace quota answers the same class.
      return code === "53100";
    },
    verify() {
      // The server process owns nothing of PostgreSQL's files: reachability is what the reads and writes tell.
    },
    async close() {
      await Promise.all([db.destroy(), readPool.end({ timeout: 5 })]);
    },
  };
}
