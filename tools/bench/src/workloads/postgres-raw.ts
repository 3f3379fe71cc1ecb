import type { Knex } from "knex";
import { appendLockKeys } from "@annals/store";
import { eventsPerBatch } from "../config.js";
import { chunk, createRowSource, type EventRow } from "../fixtures.js";
import type { Benchmark, Runner, Sample } from "../harness.js";
import type { PostgresBenchConfig, PostgresScratch } from "./postgres-fixtures.js";

// The store inserts at most this many rows per statement.
const rowsPerInsert = 400;

export const postgresRawIds = {
  txPerRow: "raw.postgres.tx-per-row",
  batch: "raw.postgres.batch100",
  bulk: "raw.postgres.bulk",
  batchLocked: "raw.postgres.batch100.ordered",
  writers: "raw.postgres.batch100.8-writers",
  writersLocked: "raw.postgres.batch100.8-writers.ordered",
};

const group = "PostgreSQL engine reference: plain knex inserts into the store's `events` table (same schema, same pool settings)";

type RawRound = (db: Knex, rows: ReturnType<typeof createRowSource>, lockKeys: readonly [number, number], deadline: number) => Promise<Sample>;

function rawBenchmark(scratch: PostgresScratch, id: string, title: string, poolSize: number, round: RawRound, reference?: string): Benchmark {
  return {
    id,
    group,
    title,
    unit: "rows/s",
    ...(reference ? { reference } : {}),
    async prepare(): Promise<Runner> {
      const schema = await scratch.schema();
      const dialect = scratch.openRaw(schema, poolSize);
      const rows = createRowSource();
      const lockKeys = appendLockKeys(schema.schema);
      return { round: (_index, deadline) => round(dialect.writer, rows, lockKeys, deadline), close: () => dialect.close() };
    },
  };
}

/**
 * One 100-row transaction the way the store orders it: take the append lock, read
 * the head under it, insert at the positions that follow. The rows' own positions
 * are replaced.
 */
async function orderedInsert(trx: Knex, rows: EventRow[], lockKeys: readonly [number, number]): Promise<void> {
  await trx.raw("select pg_advisory_xact_lock(?, ?)", [...lockKeys]);
  const head: { position: string } | undefined = await trx("events").select("position").orderBy("position", "desc").first();
  let position = Number(head?.position ?? 0);
  await trx("events").insert(rows.map((row) => ({ ...row, position: ++position })));
}

/** `writers` connections at once, each committing 100-row transactions until its share is done. */
async function concurrentBatches(db: Knex, source: ReturnType<typeof createRowSource>, writers: number, totalRows: number, deadline: number, insert: (trx: Knex, rows: EventRow[]) => Promise<void>): Promise<Sample> {
  const perWriter = Math.ceil(totalRows / writers / eventsPerBatch);
  let rows = 0;
  let stream = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let batch = 0; batch < perWriter && performance.now() < deadline; batch += 1) {
        const next = source.rows(`w-${stream++}`, eventsPerBatch);
        await db.transaction((trx) => insert(trx, next));
        rows += next.length;
      }
    }),
  );
  return { ops: rows, seconds: (performance.now() - start) / 1000 };
}

/** The engine's limits on this machine, measured in the same run as the store. */
export function postgresRawBenchmarks(config: PostgresBenchConfig, scratch: PostgresScratch): Benchmark[] {
  const ids = postgresRawIds;
  let stream = 0;
  return [
    rawBenchmark(scratch, ids.txPerRow, "one transaction per row (autocommit insert, one caller)", 1, async (db, source, _keys, deadline) => {
      const latenciesMs: number[] = [];
      const start = performance.now();
      for (let row = 0; row < config.txPerRowRows; row += 1) {
        const sent = performance.now();
        if (sent > deadline) break;
        await db("events").insert(source.rows(`r-${stream++}`, 1)[0]!);
        latenciesMs.push(performance.now() - sent);
      }
      return { ops: latenciesMs.length, seconds: (performance.now() - start) / 1000, latenciesMs };
    }),
    rawBenchmark(scratch, ids.batch, `multi-row insert, ${eventsPerBatch} rows per transaction, one caller`, 1, async (db, source, _keys, deadline) => {
      let rows = 0;
      const start = performance.now();
      while (rows < config.batchEvents && performance.now() < deadline) {
        const next = source.rows(`b-${stream++}`, eventsPerBatch);
        await db.transaction((trx) => trx("events").insert(next));
        rows += next.length;
      }
      return { ops: rows, seconds: (performance.now() - start) / 1000 };
    }),
    rawBenchmark(scratch, ids.bulk, `multi-row inserts of ${rowsPerInsert}, ${config.bulkRows.toLocaleString("en-US")} rows in one transaction`, 1, async (db, source) => {
      const all = Array.from({ length: config.bulkRows / eventsPerBatch }, () => source.rows(`k-${stream++}`, eventsPerBatch)).flat();
      const start = performance.now();
      await db.transaction(async (trx) => {
        for (const rows of chunk(all, rowsPerInsert)) await trx("events").insert(rows);
      });
      return { ops: all.length, seconds: (performance.now() - start) / 1000 };
    }),
    rawBenchmark(
      scratch,
      ids.batchLocked,
      `ordered: the same, plus the append lock and a head read per transaction`,
      1,
      async (db, source, keys, deadline) => {
        let rows = 0;
        const start = performance.now();
        while (rows < config.batchEvents && performance.now() < deadline) {
          const next = source.rows(`o-${stream++}`, eventsPerBatch);
          await db.transaction((trx) => orderedInsert(trx, next, keys));
          rows += next.length;
        }
        return { ops: rows, seconds: (performance.now() - start) / 1000 };
      },
      ids.batch,
    ),
    rawBenchmark(scratch, ids.writers, `multi-row insert, ${eventsPerBatch} rows per transaction, ${config.writers} writers (positions handed out by the client)`, config.writers, (db, source, _keys, deadline) =>
      concurrentBatches(db, source, config.writers, config.batchEvents, deadline, async (trx, rows) => {
        await trx("events").insert(rows);
      }),
    ),
    rawBenchmark(
      scratch,
      ids.writersLocked,
      `ordered: the same ${config.writers} writers, serialised by the append lock`,
      config.writers,
      (db, source, keys, deadline) => concurrentBatches(db, source, config.writers, config.batchEvents, deadline, (trx, rows) => orderedInsert(trx, rows, keys)),
      ids.writers,
    ),
  ];
}
