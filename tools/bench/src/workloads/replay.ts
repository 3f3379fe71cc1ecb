/**
 * Replay throughput: a client reads 1,000,000 small events back from `$all`
 * through the SDK over gRPC, from the Annals server in its own process, by
 * `subscribe` (the catch-up of a subscription, until it reaches the last event)
 * and by `readAll`. Reports events/s and the server's RSS during the replay.
 *
 *   npm run bench:replay                       (1,000,000 events, 3 rounds each)
 *   npm run bench:replay -- --events 200000 --rounds 2
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { createScratch, type Scratch } from "../fixtures.js";
import type { Benchmark, Runner, Sample } from "../harness.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { rssMiB, sampleRss, waitUntilIdle, writeEvents } from "./subscription-support.js";

export const replayIds = { subscribe: "replay.subscribe", readAll: "replay.read-all" } as const;

const group = "Replay of $all through the SDK over gRPC (server in its own process)";

/** One replay: the events read, how long it took, and the server's memory meanwhile. */
export interface ReplayRound extends Sample {
  /** CPU time this process (the client) spent, seconds. */
  clientCpuSeconds: number;
  serverRssBeforeMiB: number;
  serverRssPeakMiB: number;
}

/** Reads `$all` from the start up to event `events` and times it. */
async function replay(client: AnnalsClient, server: ServerProcess, how: "subscribe" | "readAll", events: number): Promise<ReplayRound> {
  const serverRssBeforeMiB = rssMiB(server.pid);
  const rss = sampleRss(server.pid);
  const cpuBefore = await server.cpuSeconds();
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  let count = 0;
  if (how === "subscribe") {
    const subscription = client.subscribe({ all: true, reconnect: false });
    for await (const event of subscription) {
      count += 1;
      if (Number(event.position) >= events) break;
    }
  } else {
    for await (const event of client.readAll({ maxCount: events })) {
      void event;
      count += 1;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverRssPeakMiB = rss.stop();
  if (count !== events) throw new Error(`replayed ${count} events, expected ${events}`);
  return {
    ops: count,
    seconds,
    serverCpuSeconds: (await server.cpuSeconds()) - cpuBefore,
    clientCpuSeconds: (clientCpu.user + clientCpu.system) / 1e6,
    serverRssBeforeMiB,
    serverRssPeakMiB,
  };
}

/** A server on a database of `events` events, shared by the two benchmarks. */
function replayFixture(scratch: Scratch, events: number) {
  let started: Promise<{ server: ServerProcess; client: AnnalsClient }> | undefined;
  let users = 0;
  return {
    async acquire() {
      users += 1;
      started ??= (async () => {
        const file = scratch.file("replay");
        await writeEvents(file, events);
        const server = await startServerProcess("annals", [file]);
        // Read models catch up on the new log at start-up: let them finish first.
        await waitUntilIdle(server);
        return { server, client: createAnnalsClient({ baseUrl: `http://127.0.0.1:${server.port}` }) };
      })();
      return started;
    },
    async release() {
      users -= 1;
      if (users > 0 || !started) return;
      const { server, client } = await started;
      started = undefined;
      client.close();
      await server.stop();
    },
  };
}

/** The two replay benchmarks, for the harness (`tools/bench/src/main.ts`). */
export function replayBenchmarks(scratch: Scratch, events = 1_000_000): Benchmark[] {
  const fixture = replayFixture(scratch, events);
  const benchmark = (id: string, how: "subscribe" | "readAll", title: string): Benchmark => ({
    id,
    group,
    title,
    unit: "events/s",
    async prepare(): Promise<Runner> {
      const { server, client } = await fixture.acquire();
      return {
        round: () => replay(client, server, how, events),
        close: () => fixture.release(),
      };
    },
  });
  const count = events.toLocaleString("en-US");
  return [
    benchmark(replayIds.subscribe, "subscribe", `subscribe to $all from the start: catch-up of ${count} events`),
    benchmark(replayIds.readAll, "readAll", `readAll of ${count} events`),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: "string", default: "1000000" }, rounds: { type: "string", default: "3" } } });
  const events = Number(values.events);
  const rounds = Number(values.rounds);
  const scratch = createScratch();
  try {
    const loading = performance.now();
    const fixture = replayFixture(scratch, events);
    const { server, client } = await fixture.acquire();
    process.stdout.write(`${events.toLocaleString("en-US")} events written and the server idle in ${((performance.now() - loading) / 1000).toFixed(1)} s\n`);
    // One warm-up round of each, then the measured ones, alternating.
    for (const how of ["subscribe", "readAll"] as const) await replay(client, server, how, Math.min(events, 100_000));
    const results: Record<string, ReplayRound[]> = { subscribe: [], readAll: [] };
    for (let round = 0; round < rounds; round += 1) {
      for (const how of ["subscribe", "readAll"] as const) {
        const result = await replay(client, server, how, events);
        results[how]!.push(result);
        process.stdout.write(
          `${how.padEnd(9)} round ${round + 1}: ${Math.round(result.ops / result.seconds).toLocaleString("en-US")} events/s ` +
            `(${result.seconds.toFixed(2)} s; CPU: server ${result.serverCpuSeconds!.toFixed(2)} s, client ${result.clientCpuSeconds.toFixed(2)} s; ` +
            `server RSS ${result.serverRssBeforeMiB.toFixed(0)} MiB before, peak ${result.serverRssPeakMiB.toFixed(0)} MiB)\n`,
        );
      }
    }
    for (const [how, list] of Object.entries(results)) {
      const rates = list.map((round) => round.ops / round.seconds).sort((a, b) => a - b);
      const median = rates[Math.floor(rates.length / 2)]!;
      const peak = Math.max(...list.map((round) => round.serverRssPeakMiB));
      process.stdout.write(`${how}: median ${Math.round(median).toLocaleString("en-US")} events/s; server RSS peak ${peak.toFixed(0)} MiB\n`);
    }
    await fixture.release();
  } finally {
    scratch.remove();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
