import type { Knex } from "knex";
import type { SqliteDriver } from "@annals/store";
import { eventsPerBatch, type BenchConfig } from "../config.js";
import { openRawDatabase } from "../databases.js";
import { chunk, createRowSource, type EventRow, type Scratch } from "../fixtures.js";
import { timed, type Benchmark, type Runner } from "../harness.js";

// The store inserts at most this many rows per statement (SQLite caps compound selects at 500).
const rowsPerInsert = 400;

export const rawIds = (driver: SqliteDriver) => ({
  batch: `raw.${driver}.batch100`,
  bulk: `raw.${driver}.bulk`,
  txPerRow: `raw.${driver}.tx-per-row`,
  prepared: `raw.${driver}.prepared100`,
});

const group = "Engine limit: raw inserts into the store's `events` table (knex, same driver and pragmas)";

/** Raw rows through the same driver, prepared before the round starts. */
function rawBenchmark(
  id: string,
  title: string,
  scratch: Scratch,
  driver: SqliteDriver,
  rowsPerRound: number,
  streamRows: number,
  /** Inserts the rows (not starting a transaction after `deadline`); answers how many it inserted. */
  insert: (db: Knex, streams: EventRow[][], deadline: number) => Promise<number>,
): Benchmark {
  return {
    id,
    group,
    title,
    unit: "rows/s",
    async prepare(): Promise<Runner> {
      const dialect = await openRawDatabase(scratch.file(id), driver);
      const source = createRowSource();
      let stream = 0;
      // Each round's rows are made before it starts (at the end of the round before).
      const makeRows = () => Array.from({ length: Math.ceil(rowsPerRound / streamRows) }, () => source.rows(`raw-${stream++}`, streamRows));
      let streams = makeRows();
      return {
        async round(_index, deadline) {
          const sample = await timed(() => insert(dialect.writer, streams, deadline));
          streams = makeRows();
          return sample;
        },
        close: () => dialect.close(),
      };
    },
  };
}

export function rawInsertBenchmarks(config: BenchConfig, scratch: Scratch, driver: SqliteDriver): Benchmark[] {
  const ids = rawIds(driver);
  const benchmarks: Benchmark[] = [
    rawBenchmark(ids.batch, `${driver}: multi-row insert, ${eventsPerBatch} rows per transaction`, scratch, driver, config.batchEvents, eventsPerBatch, async (db, streams, deadline) => {
      let rows = 0;
      for (const batch of streams) {
        if (performance.now() > deadline) break;
        await db.transaction((trx) => trx("events").insert(batch));
        rows += batch.length;
      }
      return rows;
    }),
    rawBenchmark(ids.bulk, `${driver}: multi-row inserts, ${config.batchEvents.toLocaleString("en-US")} rows in one transaction`, scratch, driver, config.batchEvents, eventsPerBatch, async (db, streams) => {
      const all = streams.flat();
      await db.transaction(async (trx) => {
        for (const rows of chunk(all, rowsPerInsert)) await trx("events").insert(rows);
      });
      return all.length;
    }),
    rawBenchmark(ids.txPerRow, `${driver}: one transaction per row (autocommit insert)`, scratch, driver, config.txPerRowRows, 1, async (db, streams, deadline) => {
      let rows = 0;
      for (const [row] of streams) {
        if (performance.now() > deadline) break;
        await db("events").insert(row!);
        rows += 1;
      }
      return rows;
    }),
  ];
  if (driver === "better-sqlite3") benchmarks.push(preparedStatementBenchmark(config, scratch));
  return benchmarks;
}

interface BetterSqliteStatement {
  run(...values: unknown[]): unknown;
}
interface BetterSqliteConnection {
  prepare(sql: string): BetterSqliteStatement;
  transaction<A extends unknown[]>(work: (...args: A) => void): (...args: A) => void;
}

/** better-sqlite3's own prepared statement, no knex: what the engine does without any query builder. */
function preparedStatementBenchmark(config: BenchConfig, scratch: Scratch): Benchmark {
  const ids = rawIds("better-sqlite3");
  return rawBenchmark(
    ids.prepared,
    `better-sqlite3: prepared statement, no knex, ${eventsPerBatch} rows per transaction`,
    scratch,
    "better-sqlite3",
    config.batchEvents,
    eventsPerBatch,
    async (db, streams, deadline) => {
      let inserted = 0;
      const connection = (await db.client.acquireConnection()) as BetterSqliteConnection;
      try {
        const statement = connection.prepare(
          "insert into events (position, stream, revision, id, type, data, content_type, metadata, recorded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        const insertAll = connection.transaction((rows: EventRow[]) => {
          for (const row of rows) {
            statement.run(row.position, row.stream, row.revision, row.id, row.type, row.data, row.content_type, row.metadata, row.recorded_at);
          }
        });
        for (const rows of streams) {
          if (performance.now() > deadline) break;
          insertAll(rows);
          inserted += rows.length;
        }
      } finally {
        await db.client.releaseConnection(connection);
      }
      return inserted;
    },
  );
}
