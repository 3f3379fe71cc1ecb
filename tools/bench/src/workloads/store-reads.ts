import type { RecordedEvent, SqliteDriver } from "@annals/store";
import { eventsPerBatch, type BenchConfig } from "../config.js";
import { openStore } from "../databases.js";
import type { Scratch } from "../fixtures.js";
import { timed, type Benchmark, type Runner, type Sample } from "../harness.js";
import { rawReadIds } from "../references/raw-reads.js";
import { longStream, readFixture, shortStreams } from "./read-fixture.js";

export const storeReadIds = (driver: SqliteDriver) => ({
  stream: `store.${driver}.read-stream`,
  all: `store.${driver}.read-all`,
});

const group = "Store reads, in process (pages of 1,000 events)";

/** Reads every page (stopping early past `deadline`); a complete read must find `expected` events. */
function readPages(pages: AsyncIterable<RecordedEvent[]>, expected: number, deadline: number): Promise<Sample> {
  return timed(async () => {
    let count = 0;
    for await (const page of pages) {
      count += page.length;
      if (performance.now() > deadline) return count;
    }
    if (count !== expected) throw new Error(`read ${count} events, expected ${expected}`);
    return count;
  });
}

export function storeReadBenchmarks(config: BenchConfig, scratch: Scratch, driver: SqliteDriver): Benchmark[] {
  const ids = storeReadIds(driver);
  const raw = rawReadIds(driver);
  return [
    {
      id: ids.stream,
      group,
      title: `${driver}: read a ${config.streamEvents.toLocaleString("en-US")}-event stream`,
      unit: "events/s",
      reference: driver === "better-sqlite3" ? raw.streamPrepared : raw.stream,
      async prepare(): Promise<Runner> {
        const fixture = await readFixture(scratch, driver, config.streamEvents);
        const store = await openStore(fixture.file, driver);
        return {
          round: (_index, deadline) => readPages(store.readStream(longStream), fixture.streamEvents, deadline),
          close: () => store.close(),
        };
      },
    },
    {
      id: ids.all,
      group,
      title: `${driver}: replay $all (${config.streamEvents.toLocaleString("en-US")} + ${(shortStreams * eventsPerBatch).toLocaleString("en-US")} events)`,
      unit: "events/s",
      reference: driver === "better-sqlite3" ? raw.allPrepared : raw.all,
      async prepare(): Promise<Runner> {
        const fixture = await readFixture(scratch, driver, config.streamEvents);
        const store = await openStore(fixture.file, driver);
        return {
          round: (_index, deadline) => readPages(store.readAll(), fixture.allEvents, deadline),
          close: () => store.close(),
        };
      },
    },
  ];
}
