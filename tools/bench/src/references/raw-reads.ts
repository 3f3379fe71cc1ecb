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
  streamPrepared: `raw.${driver}.read-stream-prepared`,
  allPrepared: `raw.${driver}.read-all-prepared`,
});

const group = "Engine limit: raw reads of the same rows (pages of 1,000 by key, rows left as the driver returns them)";
const columns = ["position", "stream", "revision", "id", "type", "data", "content_type", "metadata", "recorded_at"];
const pageSize = 1_000;

interface Row {
  position: number;
  revision: number;
}

interface RawStatement {
  raw(toggle: boolean): RawStatement;
  all(...bindings: unknown[]): unknown[][];
}
interface BetterSqliteConnection {
  prepare(sql: string): RawStatement;
}

/**
 * better-sqlite3's own prepared statement in raw mode (rows as arrays), no knex:
 * what the driver can hand over per second for the same pages.
 */
function preparedPages(db: Knex, sql: string, bindings: (from: number) => unknown[], keyColumn: number) {
  let statement: RawStatement | undefined;
  return async (from: number): Promise<Row[]> => {
    const connection = (await db.client.acquireConnection()) as BetterSqliteConnection;
    try {
      statement ??= connection.prepare(sql).raw(true);
      const rows = statement.all(...bindings(from));
      return rows.map((row) => ({ position: row[keyColumn] as number, revision: row[keyColumn] as number }));
    } finally {
      await db.client.releaseConnection(connection);
    }
  };
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
  const select = `select ${columns.join(", ")} from events`;
  const prepared: Benchmark[] =
    driver !== "better-sqlite3"
      ? []
      : [
          rawReadBenchmark(ids.streamPrepared, `${driver}: same stream, prepared statement in raw mode, no knex`, scratch, driver, config, (db, fixture, deadline) => {
            const page = preparedPages(db, `${select} where stream = ? and revision >= ? order by revision limit ${pageSize}`, (from) => [longStream, from], 2);
            return readPaged(page, (row) => row.revision, fixture.streamEvents, deadline);
          }),
          rawReadBenchmark(ids.allPrepared, `${driver}: every row, prepared statement in raw mode, no knex`, scratch, driver, config, (db, fixture, deadline) => {
            const page = preparedPages(db, `${select} where position >= ? order by position limit ${pageSize}`, (from) => [from], 0);
            return readPaged(page, (row) => row.position, fixture.allEvents, deadline);
          }),
        ];
  return [
    ...prepared,
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
