import type { EventStore } from "@annals/store";
import { eventsPerBatch } from "../config.js";
import { proposedEvents } from "../fixtures.js";
import type { Benchmark, Runner, Sample } from "../harness.js";
import type { PostgresBenchConfig, PostgresScratch } from "./postgres-fixtures.js";
import { postgresRawIds } from "./postgres-raw.js";
import { concurrentAppends } from "./store-appends.js";

export const postgresStoreIds = {
  sequential: "store.postgres.single-sequential",
  concurrent: "store.postgres.single-64-callers",
  concurrentInstances: "store.postgres.single-64-callers.4-instances",
  batch: "store.postgres.batch100",
  batchWriters: "store.postgres.batch100.8-callers",
  catchUp: "store.postgres.read-all",
};

const group = "Store on PostgreSQL, in process (openEventStore: advisory-lock ordering, group commit, pool of 10)";

function storeBenchmark(
  scratch: PostgresScratch,
  id: string,
  title: string,
  reference: string | undefined,
  instances: number,
  round: (stores: EventStore[], index: number, deadline: number) => Promise<Sample>,
): Benchmark {
  return {
    id,
    group,
    title,
    unit: "events/s",
    ...(reference ? { reference } : {}),
    async prepare(): Promise<Runner> {
      const schema = await scratch.schema();
      const stores = await Promise.all(Array.from({ length: instances }, () => scratch.openStore(schema)));
      return {
        round: (index, deadline) => round(stores, index, deadline),
        close: async () => {
          await Promise.all(stores.map((store) => store.close()));
        },
      };
    },
  };
}

/** 100-event appends, each to a new stream, from `callers` callers at once. */
async function batchAppends(store: EventStore, callers: number, round: number, totalEvents: number, deadline: number): Promise<Sample> {
  const perCaller = Math.ceil(totalEvents / eventsPerBatch / callers);
  const latenciesMs: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let index = 0; index < perCaller; index += 1) {
        const batch = proposedEvents(eventsPerBatch);
        const sent = performance.now();
        if (sent > deadline) break;
        await store.appendToStream(`batch-${round}-${caller}-${index}`, batch);
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  return { ops: latenciesMs.length * eventsPerBatch, seconds: (performance.now() - start) / 1000, latenciesMs };
}

export function postgresStoreBenchmarks(config: PostgresBenchConfig, scratch: PostgresScratch): Benchmark[] {
  const ids = postgresStoreIds;
  const raw = postgresRawIds;
  return [
    storeBenchmark(scratch, ids.sequential, "single-event appends, one caller", raw.txPerRow, 1, async ([store], _round, deadline) => {
      const latenciesMs: number[] = [];
      const start = performance.now();
      for (const event of proposedEvents(config.sequentialAppends)) {
        const sent = performance.now();
        if (sent > deadline) break;
        await store!.appendToStream("sequential", [event]);
        latenciesMs.push(performance.now() - sent);
      }
      return { ops: latenciesMs.length, seconds: (performance.now() - start) / 1000, latenciesMs };
    }),
    storeBenchmark(scratch, ids.concurrent, `single-event appends, ${config.callers} concurrent callers`, raw.txPerRow, 1, ([store], round, deadline) =>
      concurrentAppends(store!, config.callers, config.appendsPerCaller, `caller-${round}`, deadline),
    ),
    storeBenchmark(
      scratch,
      ids.concurrentInstances,
      `single-event appends, ${config.callers} callers spread over ${config.instances} store instances (${config.instances} pools, one schema)`,
      raw.txPerRow,
      config.instances,
      async (stores, round, deadline) => {
        const perInstance = config.callers / stores.length;
        const samples = await Promise.all(stores.map((store, instance) => concurrentAppends(store, perInstance, config.appendsPerCaller, `caller-${round}-${instance}`, deadline)));
        return {
          ops: samples.reduce((sum, sample) => sum + sample.ops, 0),
          seconds: Math.max(...samples.map((sample) => sample.seconds)),
          latenciesMs: samples.flatMap((sample) => sample.latenciesMs ?? []),
          failures: samples.reduce((sum, sample) => sum + (sample.failures ?? 0), 0),
        };
      },
    ),
    storeBenchmark(scratch, ids.batch, `${eventsPerBatch}-event appends, one caller`, raw.batch, 1, ([store], round, deadline) => batchAppends(store!, 1, round, config.batchEvents, deadline)),
    storeBenchmark(scratch, ids.batchWriters, `${eventsPerBatch}-event appends, ${config.writers} concurrent callers`, raw.writers, 1, ([store], round, deadline) =>
      batchAppends(store!, config.writers, round, config.batchEvents, deadline),
    ),
    {
      id: ids.catchUp,
      group,
      title: `$all catch-up from the start (${config.catchUpEvents.toLocaleString("en-US")} events, pages of 1,000)`,
      unit: "events/s",
      async prepare(): Promise<Runner> {
        const schema = await scratch.schema();
        const store = await scratch.openStore(schema);
        const streams = 200;
        const perAppend = config.catchUpEvents / streams / 10;
        // 200 streams, written interleaved, so that $all is not one stream's rows in a row.
        for (let turn = 0; turn < 10; turn += 1) {
          await Promise.all(Array.from({ length: streams }, (_, stream) => store.appendToStream(`catch-up-${stream}`, proposedEvents(perAppend))));
        }
        const total = await store.headPosition();
        return {
          async round() {
            let count = 0;
            const start = performance.now();
            for await (const page of store.readAll()) count += page.length;
            const seconds = (performance.now() - start) / 1000;
            if (count !== total) throw new Error(`read ${count} events, expected ${total}`);
            return { ops: count, seconds };
          },
          close: () => store.close(),
        };
      },
    },
  ];
}
