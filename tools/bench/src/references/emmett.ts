import { emmettAvailability, openEmmettPeer, type EmmettPeer } from "@annals/bench-emmett-sqlite";
import { eventsPerBatch, type BenchConfig } from "../config.js";
import { eventType, payload, type Scratch } from "../fixtures.js";
import type { Benchmark, Runner, Sample } from "../harness.js";
import { storeIds } from "../workloads/store-appends.js";
import { storeReadIds } from "../workloads/store-reads.js";

export const emmettIds = {
  sequential: "emmett.single-sequential",
  batch: "emmett.batch100",
  stream: "emmett.read-stream",
};

const group = "Peer: Emmett on SQLite (@event-driven-io/emmett-sqlite, its own sqlite3 5.x)";

function emmettBenchmark(
  id: string,
  title: string,
  reference: string,
  scratch: Scratch,
  setup: (peer: EmmettPeer) => Promise<void>,
  round: (peer: EmmettPeer, index: number, deadline: number) => Promise<Sample>,
): Benchmark {
  return {
    id,
    group,
    title,
    unit: "events/s",
    reference,
    async prepare(): Promise<Runner> {
      const peer = await openEmmettPeer(scratch.file(id), { type: eventType, payload });
      await setup(peer);
      return { round: (index, deadline) => round(peer, index, deadline), close: () => peer.close() };
    },
  };
}

async function appendRounds(peer: EmmettPeer, stream: (index: number) => string, appends: number, events: number, deadline: number): Promise<Sample> {
  const latenciesMs: number[] = [];
  const start = performance.now();
  for (let index = 0; index < appends; index += 1) {
    const sent = performance.now();
    if (sent > deadline) break;
    await peer.append(stream(index), events);
    latenciesMs.push(performance.now() - sent);
  }
  return { ops: latenciesMs.length * events, seconds: (performance.now() - start) / 1000, latenciesMs };
}

/**
 * Emmett doing what the store benchmarks do. Each row's reference is the Annals
 * figure for the same workload, so its ratio reads "Emmett / Annals".
 */
export async function emmettBenchmarks(config: BenchConfig, scratch: Scratch): Promise<{ benchmarks: Benchmark[]; note: string }> {
  const availability = await emmettAvailability();
  if (!availability.available) {
    return { benchmarks: [], note: `Emmett peer skipped: ${availability.reason}` };
  }
  const annals = storeIds("better-sqlite3");
  const reads = storeReadIds("better-sqlite3");
  const noSetup = async () => undefined;
  return {
    note: `Emmett peer: @event-driven-io/emmett-sqlite ${availability.version}`,
    benchmarks: [
      emmettBenchmark(emmettIds.sequential, "Emmett: single-event appends, one caller", annals.sequential, scratch, noSetup, (peer, _round, deadline) =>
        appendRounds(peer, () => "bench-sequential", config.emmettSingleAppends, 1, deadline),
      ),
      emmettBenchmark(emmettIds.batch, `Emmett: ${eventsPerBatch}-event appends, one caller`, annals.batch, scratch, noSetup, (peer, round, deadline) =>
        appendRounds(peer, (index) => `bench-batch${round + 10}x${index}`, config.emmettBatchAppends, eventsPerBatch, deadline),
      ),
      ...(config.emmettStreamRead ? [emmettBenchmark(
        emmettIds.stream,
        `Emmett: read a ${config.streamEvents.toLocaleString("en-US")}-event stream`,
        reads.stream,
        scratch,
        async (peer) => {
          for (let written = 0; written < config.streamEvents; written += 1_000) {
            await peer.append("bench-long", Math.min(1_000, config.streamEvents - written));
          }
        },
        async (peer) => {
          const start = performance.now();
          const count = await peer.readStream("bench-long");
          if (count !== config.streamEvents) throw new Error(`read ${count} events, expected ${config.streamEvents}`);
          return { ops: count, seconds: (performance.now() - start) / 1000 };
        },
      )] : []),
    ],
  };
}
