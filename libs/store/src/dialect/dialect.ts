import type { Knex } from "knex";
import type { AppendCommand, BatchOutcome } from "../sql/append-plan.js";
import type { CommittedPrefix, PageReader } from "../sql/select-events.js";
import type { CommitChannel } from "./commit-channel.js";

/** What differs between the SQL backends; everything else is shared knex code. */
export interface Dialect {
  /** `sqlite` or `postgres`. */
  readonly kind: "sqlite" | "postgres";
  /** Human-readable backend name, e.g. `sqlite (better-sqlite3)`. */
  readonly name: string;
  /** The pool that serves reads; it sees only committed data. */
  readonly reader: Knex;
  /** The connection(s) that write; used by migrations and the write queue. */
  readonly writer: Knex;
  /**
   * Runs `work` in a write transaction such that global positions are never seen out
   * of order: SQLite's BEGIN IMMEDIATE and PostgreSQL's `lock` ordering exclude every
   * other writer until commit; PostgreSQL's `xid` ordering runs writers in parallel
   * (positions taken in transaction-id order, readers keep to `committedPrefix`) and
   * runs `work` again when a concurrent writer stored the same revision or id first.
   */
  writeTransaction<T>(work: (trx: Knex) => Promise<T>): Promise<T>;
  /**
   * Runs a group commit of appends (`sql/append-plan.ts` decides, this writes): the
   * write transaction, the batch, COMMIT, the backend's fastest way, with the
   * ordering guarantees of `writeTransaction`. SQLite runs it on its writer thread
   * (`sqliteWriter: "worker"`) or on the event loop; PostgreSQL's lookup statement
   * takes the append lock. Settles after COMMIT.
   */
  commitAppends(commands: readonly AppendCommand[], now: number): Promise<BatchOutcome>;
  /**
   * Runs `work` in a transaction that no other maintenance transaction (the
   * scavenger's) of this database runs beside; `undefined` without running it when
   * another store instance holds that turn (PostgreSQL). SQLite: a write transaction.
   * PostgreSQL: appends do not wait for it.
   */
  maintenanceTransaction<T>(work: (trx: Knex) => Promise<T>): Promise<T | undefined>;
  /**
   * Makes what was just overwritten leave the database's log (SQLite: a WAL checkpoint
   * that truncates it; deleted content is zeroed by `secure_delete`); absent when
   * the database keeps no such log of its own in reach.
   */
  flushLog?(): Promise<void>;
  /** Gives the space of removed events back to the file system (SQLite: VACUUM); absent when the database does it itself. */
  reclaimSpace?(): Promise<void>;
  /** Group-commit transactions that may run at once (`write-queue.ts`). Default 1. */
  readonly concurrentWriters?: number;
  /** Reads pages of events on the reader pool, the backend's fastest way. */
  readonly pages: Pick<PageReader, "db" | "sync" | "selectEvents" | "committedPrefix">;
  /**
   * Restricts a query of `events` to what a reader of the global order may see
   * without a hole (PostgreSQL's `xid` ordering); absent where every committed row may be seen.
   */
  readonly committedPrefix?: CommittedPrefix;
  /** PostgreSQL: the schema holding the tables and knex's migration bookkeeping. */
  readonly schema?: string;
  /**
   * Runs the migrations so that store instances starting together on one database
   * do not race (PostgreSQL: creates the schema when missing, under a lock).
   */
  migrationGuard<T>(migrate: () => Promise<T>): Promise<T>;
  /** How other processes' commits are heard (PostgreSQL); absent for SQLite. */
  readonly commitChannel?: CommitChannel;
  /** True when the error means the database is unreachable or unusable (not a bug, not bad input). */
  isUnavailable(error: unknown): boolean;
  /** True when the error means the database has no room left (disk full, quota). */
  isStorageFull(error: unknown): boolean;
  /**
   * Throws (an error `isUnavailable` accepts, saying why) when the database must not
   * be used any more: SQLite's file removed or replaced under the server, or the
   * database found damaged. Cheap: the write path calls it before every commit.
   */
  verify(): void;
  close(): Promise<void>;
}
