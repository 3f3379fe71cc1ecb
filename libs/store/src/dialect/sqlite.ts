import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { Worker } from "node:worker_threads";
import knexFactory, { type Knex } from "knex";
import { appendBatch } from "../sql/append-batch.js";
import { appendBatchBetterSqlite } from "../sql/append-batch-sqlite.js";
import type { AppendCommand } from "../sql/append-plan.js";
import { lookUpKnex } from "../sql/look-up-knex.js";
import { selectEventsBetterSqlite, selectEventsKnex } from "../sql/select-events.js";
import { writeRowsKnex } from "../sql/write-rows-knex.js";
import type { Dialect } from "./dialect.js";
import { sqlitePragmas } from "./sqlite-pragmas.js";
import { createSqliteSyncReader } from "./sqlite-sync-reader.js";
import { createSqliteWriterThread, type SqliteWriterThread } from "./sqlite-writer.js";

export type SqliteDriver = "better-sqlite3" | "sqlite3";

export interface SqliteOptions {
  /** Path of the database file; its folder is created when missing. */
  filename: string;
  /** Default `better-sqlite3` (measured faster for appends: tools/bench). */
  driver?: SqliteDriver;
  /** `FULL` (default) survives power loss; `NORMAL` survives a process crash only. */
  synchronous?: "FULL" | "NORMAL";
  /**
   * Where appends are written. `main` (default): on the event loop. `worker`: a writer
   * thread owns the write connection, so statements and COMMIT's fsync never block the
   * event loop, and the appends that arrive meanwhile join the next group commit (on
   * 2 shared cores it measured no faster: tools/bench/README.md, "Writer thread").
   * better-sqlite3 only, on a file (the sqlite3 driver already runs its
   * statements on libuv's thread pool; `:memory:` cannot be shared with a thread).
   */
  writer?: SqliteWriter;
}

export type SqliteWriter = "worker" | "main";

export interface SqliteDialect extends Dialect {
  /** The writer thread, while one runs (`writer: "worker"`): for diagnostics and tests. */
  readonly writerThread: Worker | undefined;
}

type Callback = (error: Error | null, connection?: unknown) => void;

interface BetterSqliteConnection {
  pragma(source: string): unknown;
}
interface Sqlite3Connection {
  exec(sql: string, callback: (error: Error | null) => void): void;
}

// better-sqlite3 waits for a lock synchronously, blocking the event loop (and any
// other connection of this process): keep its wait short and retry asynchronously.
const busyTimeoutMs: Record<SqliteDriver, number> = { "better-sqlite3": 20, sqlite3: 5_000 };
const writeLockDeadlineMs = 10_000;

function pragmas(driver: SqliteDriver, synchronous: string): string[] {
  return sqlitePragmas(synchronous, busyTimeoutMs[driver]);
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

/** A database that must not be used any more, with the reason (`Dialect.verify`). */
export class DatabaseUnusableError extends Error {
  readonly code = "ANNALS_DATABASE_UNUSABLE";
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnusableError";
  }
}

const damagedCodes = /^SQLITE_(CORRUPT|NOTADB)/;

/** BEGIN IMMEDIATE, retried without blocking while another connection writes. */
async function beginImmediate(writer: Knex): Promise<void> {
  const deadline = Date.now() + writeLockDeadlineMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writer.raw("BEGIN IMMEDIATE");
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1 + attempt, 25)));
    }
  }
}

function afterCreate(driver: SqliteDriver, synchronous: string) {
  const statements = pragmas(driver, synchronous);
  return (connection: unknown, done: Callback): void => {
    if (driver === "better-sqlite3") {
      try {
        for (const statement of statements) (connection as BetterSqliteConnection).pragma(statement);
        done(null, connection);
      } catch (error) {
        done(error as Error, connection);
      }
      return;
    }
    const sql = statements.map((statement) => `PRAGMA ${statement};`).join(" ");
    (connection as Sqlite3Connection).exec(sql, (error) => done(error, connection));
  };
}

function connect(options: Required<SqliteOptions>, poolSize: number): Knex {
  return knexFactory({
    client: options.driver,
    connection: { filename: options.filename },
    useNullAsDefault: true,
    pool: { min: 1, max: poolSize, afterCreate: afterCreate(options.driver, options.synchronous) },
  });
}

/** SQLite: one writer connection (a single write queue), a small pool of readers. */
export function createSqliteDialect(options: SqliteOptions): SqliteDialect {
  const resolved: Required<SqliteOptions> = {
    filename: options.filename,
    driver: options.driver ?? "better-sqlite3",
    synchronous: options.synchronous ?? "FULL",
    writer: options.writer ?? "main",
  };
  if (resolved.filename !== ":memory:") mkdirSync(dirname(resolved.filename), { recursive: true });
  const writer = connect(resolved, 1);
  // better-sqlite3 runs each query synchronously, so more readers buy nothing.
  const reader = connect(resolved, resolved.driver === "better-sqlite3" ? 1 : 4);
  let writeTurns: Promise<unknown> = Promise.resolve();
  const betterSqlite = resolved.driver === "better-sqlite3";
  // better-sqlite3: the hot reads run on a connection of their own, outside knex's pool.
  const sync = betterSqlite ? createSqliteSyncReader(resolved.filename, pragmas(resolved.driver, resolved.synchronous)) : undefined;
  // The file this store opened (device and inode), once it exists; and why the database became unusable.
  let identity: { dev: number; ino: number } | undefined;
  let unusable: string | undefined;
  const fileOf = (): { dev: number; ino: number } | undefined => {
    try {
      const { dev, ino } = statSync(resolved.filename);
      return { dev, ino };
    } catch {
      return undefined;
    }
  };
  const thread: SqliteWriterThread | undefined =
    betterSqlite && resolved.writer === "worker" && resolved.filename !== ":memory:"
      ? createSqliteWriterThread(() => ({ filename: resolved.filename, synchronous: resolved.synchronous, identity }))
      : undefined;
  function verify(): void {
    if (unusable !== undefined) throw new DatabaseUnusableError(unusable);
    if (resolved.filename === ":memory:") return;
    const now = fileOf();
    identity ??= now;
    if (identity === undefined) return;
    if (now === undefined || now.dev !== identity.dev || now.ino !== identity.ino) {
      unusable = `the database file ${resolved.filename} was ${now === undefined ? "removed" : "replaced"} while the store had it open; nothing is written to it any more: restart on the right file`;
      throw new DatabaseUnusableError(unusable);
    }
  }
  // better-sqlite3: prepared statements on the connection itself; sqlite3: knex queries.
  const appendOnConnection = betterSqlite ? appendBatchBetterSqlite : (trx: Knex, commands: readonly AppendCommand[], now: number) => appendBatch(trx, commands, now, { lookUp: lookUpKnex, writeRows: writeRowsKnex });
  return {
    kind: "sqlite",
    name: `sqlite (${resolved.driver})`,
    reader,
    writer,
    async commitAppends(commands, now) {
      if (!thread) return this.writeTransaction((trx) => appendOnConnection(trx, commands, now));
      verify();
      try {
        return await thread.commit(commands, now);
      } catch (error) {
        // The thread found the file removed or replaced: remember why, as `verify` does.
        if ((error as { code?: unknown }).code === "ANNALS_DATABASE_UNUSABLE") verify();
        throw error;
      }
    },
    pages: sync
      ? { db: reader, sync, selectEvents: (page, order, limit, maxBytes) => selectEventsBetterSqlite(sync, reader, page, order, limit, maxBytes) }
      : { db: reader, selectEvents: selectEventsKnex },
    writeTransaction(work) {
      // The writer pool holds one connection, so every statement below runs on
      // it: transactions of this process take turns, never interleave.
      const turn = writeTurns.then(async () => {
        verify();
        await beginImmediate(writer);
        try {
          const result = await work(writer);
          // An append is acknowledged after COMMIT: never into a file nobody will open again.
          verify();
          await writer.raw("COMMIT");
          return result;
        } catch (error) {
          await writer.raw("ROLLBACK").catch(() => undefined);
          throw error;
        }
      });
      writeTurns = turn.catch(() => undefined);
      return turn;
    },
    maintenanceTransaction(work) {
      return this.writeTransaction(work);
    },
    flushLog() {
      const turn = writeTurns.then(async () => {
        verify();
        await writer.raw("PRAGMA wal_checkpoint(TRUNCATE)");
      });
      writeTurns = turn.catch(() => undefined);
      return turn;
    },
    reclaimSpace() {
      // VACUUM runs outside any transaction, in the writer's turn; a full checkpoint
      // then truncates the WAL, so removed events stay in neither file.
      const turn = writeTurns.then(async () => {
        verify();
        await writer.raw("VACUUM");
        await writer.raw("PRAGMA wal_checkpoint(TRUNCATE)");
      });
      writeTurns = turn.catch(() => undefined);
      return turn;
    },
    async migrationGuard(migrate) {
      const result = await migrate();
      // The file exists now: the one every later write must still go to.
      identity ??= fileOf();
      thread?.start();
      return result;
    },
    verify,
    get writerThread() {
      return thread?.worker;
    },
    isUnavailable(error) {
      const code = (error as { code?: unknown } | undefined)?.code;
      if (typeof code !== "string") return false;
      if (damagedCodes.test(code)) {
        unusable ??= `the database ${resolved.filename} is damaged (${(error as Error).message}): restore it from a backup`;
        return true;
      }
      return code === "ANNALS_DATABASE_UNUSABLE" || /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|READONLY)/.test(code);
    },
    isStorageFull(error) {
      const code = (error as { code?: unknown } | undefined)?.code;
      return typeof code === "string" && (code.startsWith("SQLITE_FULL") || code === "SQLITE_IOERR_WRITE" && /disk|space/i.test(String((error as Error).message)));
    },
    async close() {
      sync?.close();
      await Promise.all([reader.destroy(), writer.destroy(), thread?.close()]);
    },
  };
}
