import type { Knex } from "knex";
import type { SqliteDriver } from "@annals/store";
import type { BenchConfig } from "../config.js";
import { openRawDatabase } from "../databases.js";
import type { Scratch } from "../fixtures.js";
import { timed, type Benchmark, type Runner } from "../harness.js";
import { longStream, readFixture, type ReadFixture } from "../workloads/read-fixture.js";

export const rawReadIds = (driver: SqliteDriver) => ({
  stream: `raw.${driver}.read-stream`,
  all: `raw.${driver}.read-all`,
});

const group = "Engine limit: raw reads of the same rows (knex, pages of 1,000 by key, rows left as the driver returns them)";
const columns = ["position", "stream", "revision", "id", "type", "data", "content_type", "metadata", "recorded_at"];
const pageSize = 1_000;

interface Row {
  position: number;
  revision: number;
}

/** Reads page after page, each from the key after the last row of the one before. */
async function readPaged(page: (from: number) => Promise<Row[]>, key: (row: Row) => number, expected: number, deadline: number): Promise<number> {
  let count = 0;
  let from = 0;
  for (;;) {
    const rows = await page(from);
    count += rows.length;
    if (rows.length < pageSize) break;
    if (performance.now() > deadline) return count;
    from = key(rows[rows.length - 1]!) + 1;
  }
  if (count !== expected) throw new Error(`read ${count} rows, expected ${expected}`);
  return count;
}

function rawReadBenchmark(
  id: string,
  title: string,
  scratch: Scratch,
  driver: SqliteDriver,
  config: BenchConfig,
  read: (db: Knex, fixture: ReadFixture, deadline: number) => Promise<number>,
): Benchmark {
  return {
    id,
    group,
    title,
    unit: "rows/s",
    async prepare(): Promise<Runner> {
      const fixture = await readFixture(scratch, driver, config.streamEvents);
      const dialect = await openRawDatabase(fixture.file, driver);
      return {
        round: (_index, deadline) => timed(() => read(dialect.reader, fixture, deadline)),
        close: () => dialect.close(),
      };
    },
  };
}

export function rawReadBenchmarks(config: BenchConfig, scratch: Scratch, driver: SqliteDriver): Benchmark[] {
  const ids = rawReadIds(driver);
  return [
    rawReadBenchmark(ids.stream, `${driver}: select a ${config.streamEvents.toLocaleString("en-US")}-event stream by revision`, scratch, driver, config, (db, fixture, deadline) =>
      readPaged(
        (from) => db("events").select(columns).where("stream", longStream).andWhere("revision", ">=", from).orderBy("revision").limit(pageSize),
        (row) => Number(row.revision),
        fixture.streamEvents,
        deadline,
      ),
    ),
    rawReadBenchmark(ids.all, `${driver}: select every row by position`, scratch, driver, config, (db, fixture, deadline) =>
      readPaged(
        (from) => db("events").select(columns).where("position", ">=", from).orderBy("position").limit(pageSize),
        (row) => Number(row.position),
        fixture.allEvents,
        deadline,
      ),
    ),
  ];
}
