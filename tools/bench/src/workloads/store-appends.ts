import type { EventStore, ProposedEvent, SqliteDriver } from "@annals/store";
import { eventsPerBatch, type BenchConfig } from "../config.js";
import { openStore } from "../databases.js";
import { proposedEvents, type Scratch } from "../fixtures.js";
import type { Benchmark, Runner, Sample } from "../harness.js";
import { rawIds } from "../references/raw-inserts.js";

export const storeIds = (driver: SqliteDriver) => ({
  sequential: `store.${driver}.single-sequential`,
  concurrent: `store.${driver}.single-64-callers`,
  batch: `store.${driver}.batch100`,
});

const group = "Store, in process (openEventStore: WAL, synchronous FULL, group commit)";

function storeBenchmark(
  id: string,
  title: string,
  reference: string,
  scratch: Scratch,
  driver: SqliteDriver,
  round: (store: EventStore, index: number, deadline: number) => Promise<Sample>,
): Benchmark {
  return {
    id,
    group,
    title,
    unit: "events/s",
    reference,
    async prepare(): Promise<Runner> {
      const store = await openStore(scratch.file(id), driver);
      return { round: (index, deadline) => round(store, index, deadline), close: () => store.close() };
    },
  };
}

/** `count` appends of one event each, one after the other, to one stream. */
async function sequentialAppends(store: EventStore, stream: string, count: number, deadline: number): Promise<Sample> {
  const events = proposedEvents(count);
  const latenciesMs: number[] = [];
  const start = performance.now();
  for (const event of events) {
    const sent = performance.now();
    if (sent > deadline) break;
    await store.appendToStream(stream, [event]);
    latenciesMs.push(performance.now() - sent);
  }
  return { ops: latenciesMs.length, seconds: (performance.now() - start) / 1000, latenciesMs };
}

/** `callers` callers at once, each appending one event at a time to its own stream. */
export async function concurrentAppends(store: EventStore, callers: number, appendsPerCaller: number, prefix: string, deadline: number): Promise<Sample> {
  const events: ProposedEvent[][] = Array.from({ length: callers }, () => proposedEvents(appendsPerCaller));
  const latenciesMs: number[] = [];
  let failures = 0;
  const start = performance.now();
  await Promise.all(
    events.map(async (own, caller) => {
      for (const event of own) {
        const sent = performance.now();
        if (sent > deadline) break;
        try {
          await store.appendToStream(`${prefix}-${caller}`, [event]);
        } catch {
          failures += 1;
        }
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  return { ops: latenciesMs.length - failures, seconds: (performance.now() - start) / 1000, latenciesMs, failures };
}

/** Appends of 100 events each, one after the other, each to a new stream. */
async function batchAppends(store: EventStore, round: number, totalEvents: number, deadline: number): Promise<Sample> {
  const batches = Array.from({ length: Math.ceil(totalEvents / eventsPerBatch) }, () => proposedEvents(eventsPerBatch));
  const latenciesMs: number[] = [];
  const start = performance.now();
  for (const [index, batch] of batches.entries()) {
    const sent = performance.now();
    if (sent > deadline) break;
    await store.appendToStream(`batch-${round}-${index}`, batch);
    latenciesMs.push(performance.now() - sent);
  }
  return { ops: latenciesMs.length * eventsPerBatch, seconds: (performance.now() - start) / 1000, latenciesMs };
}

export function storeAppendBenchmarks(config: BenchConfig, scratch: Scratch, driver: SqliteDriver): Benchmark[] {
  const ids = storeIds(driver);
  const raw = rawIds(driver);
  return [
    storeBenchmark(ids.sequential, `${driver}: single-event appends, one caller`, raw.txPerRow, scratch, driver, (store, _round, deadline) =>
      sequentialAppends(store, "sequential", config.sequentialAppends, deadline),
    ),
    storeBenchmark(ids.concurrent, `${driver}: single-event appends, ${config.callers} concurrent callers`, raw.txPerRow, scratch, driver, (store, _round, deadline) =>
      concurrentAppends(store, config.callers, config.appendsPerCaller, "caller", deadline),
    ),
    storeBenchmark(ids.batch, `${driver}: ${eventsPerBatch}-event appends, one caller`, raw.batch, scratch, driver, (store, round, deadline) =>
      batchAppends(store, round, config.batchEvents, deadline),
    ),
  ];
}
