/**
 * Live latency: one client appends events at a steady rate (1,000 events/s, one
 * per append, by default) while 100 subscribers follow `$all` live; each
 * delivery's latency is the time from the append's acknowledgement to the event
 * reaching the subscriber (0 when it arrived before the acknowledgement, as most
 * do: the server writes the deliveries before the answer). The time from the
 * append's sending is reported too. The server runs in its own process; appender
 * and subscribers share this one, so times come from one clock.
 *
 *   npm run bench:live                                     (100 subscribers, 1,000 events/s, a warm-up and 3 rounds of 10 s)
 *   npm run bench:live -- --batch 10                       (the same events, 100 appends/s of 10)
 *   npm run bench:live -- --subscribers 10 --rate 500 --seconds 5 --rounds 2
 *   npm run bench:live -- --url http://127.0.0.1:50051      (a server already running)
 *   npm run bench:live -- --server-cpu-prof /tmp/prof       (the server's CPU profile, written there when it stops)
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { createAnnalsClient, type AnnalsClient, type Subscription } from "@annals/sdk";
import { createScratch, eventId, eventType, payload, type Scratch } from "../fixtures.js";
import { percentile, type Benchmark, type Runner, type Sample } from "../harness.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { rssMiB, waitUntilIdle } from "./subscription-support.js";

export const liveLatencyId = "live.latency";

export interface LiveLatencyOptions {
  /** Subscribers following `$all`. Default 100. */
  subscribers: number;
  /** Events appended per second. Default 1,000. */
  rate: number;
  /** Events per append. Default 1. */
  batch: number;
  /** Length of a round, s. Default 10. */
  seconds: number;
  /** HTTP/2 connections the subscribers are spread over. Default 4. */
  connections: number;
}

export const defaultLiveLatencyOptions: LiveLatencyOptions = { subscribers: 100, rate: 1_000, batch: 1, seconds: 10, connections: 4 };

export interface LiveRound extends Sample {
  /** Deliveries that arrived before the append was acknowledged (counted as 0 ms). */
  beforeAck: number;
  /** Send → acknowledgement of the appends, ms. */
  appendLatenciesMs: number[];
  /** Append sent → event delivered, ms: the acknowledged latency plus the append's own. */
  fromSendMs: number[];
  /** The server's RSS at the end of the round, MiB, when it runs in a child process. */
  serverRssMiB?: number;
}

/** Subscribers and an appender against one server; `round` measures for `seconds`. */
async function startLiveBench(baseUrl: string, server: ServerProcess | undefined, options: LiveLatencyOptions) {
  const clients: AnnalsClient[] = Array.from({ length: options.connections }, () => createAnnalsClient({ baseUrl }));
  const appender = createAnnalsClient({ baseUrl });
  /** Acknowledgement time of each appended event, by id; deliveries that come first wait here. */
  const acked = new Map<string, number>();
  const sentTimes = new Map<string, number>();
  let fromSend: number[] = [];
  const early = new Map<string, number[]>();
  let latencies: number[] = [];
  let beforeAck = 0;
  let measuring = false;

  const record = (id: string, receivedAt: number) => {
    if (!measuring) return;
    const sentAt = sentTimes.get(id);
    if (sentAt !== undefined) fromSend.push(receivedAt - sentAt);
    const ackedAt = acked.get(id);
    if (ackedAt !== undefined) {
      latencies.push(Math.max(0, receivedAt - ackedAt));
      return;
    }
    const waiting = early.get(id);
    if (waiting) waiting.push(receivedAt);
    else early.set(id, [receivedAt]);
  };

  const subscriptions: Subscription[] = [];
  const following: Promise<void>[] = [];
  for (let index = 0; index < options.subscribers; index += 1) {
    const subscription = clients[index % clients.length]!.subscribe({ all: true, from: "end" });
    subscriptions.push(subscription);
    following.push(
      (async () => {
        for await (const event of subscription) record(event.id, performance.now());
      })().catch(() => undefined),
    );
  }
  // Pulling starts the calls; wait until every subscriber is live.
  await Promise.all(subscriptions.map((subscription) => subscription.caughtUp));

  async function round(): Promise<LiveRound> {
    latencies = [];
    fromSend = [];
    beforeAck = 0;
    acked.clear();
    sentTimes.clear();
    early.clear();
    measuring = true;
    const appendLatenciesMs: number[] = [];
    const pending = new Set<Promise<void>>();
    const appends = Math.round((options.rate * options.seconds) / options.batch);
    const total = appends * options.batch;
    const perSecond = options.rate / options.batch;
    const started = performance.now();
    // Open loop: every millisecond, the appends due by then, whatever the answers take.
    let sent = 0;
    while (sent < appends) {
      const due = Math.min(appends, Math.floor(((performance.now() - started) / 1000) * perSecond) + 1);
      for (; sent < due; sent += 1) {
        const ids = Array.from({ length: options.batch }, eventId);
        const sentAt = performance.now();
        for (const id of ids) sentTimes.set(id, sentAt);
        const append = appender.appendToStream(`live-${sent % 100}`, ids.map((id) => ({ id, type: eventType, data: payload }))).then(() => {
          const ackedAt = performance.now();
          appendLatenciesMs.push(ackedAt - sentAt);
          for (const id of ids) {
            acked.set(id, ackedAt);
            for (const receivedAt of early.get(id) ?? []) {
              latencies.push(0);
              beforeAck += receivedAt <= ackedAt ? 1 : 0;
            }
            early.delete(id);
          }
        });
        pending.add(append);
        void append.finally(() => pending.delete(append));
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
    const deadline = performance.now() + 5_000;
    while (latencies.length < total * options.subscribers && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    measuring = false;
    const seconds = (performance.now() - started) / 1000;
    const expected = total * options.subscribers;
    return {
      ops: latencies.length,
      seconds,
      latenciesMs: latencies,
      failures: expected - latencies.length,
      beforeAck,
      appendLatenciesMs,
      fromSendMs: fromSend,
      ...(server ? { serverRssMiB: rssMiB(server.pid) } : {}),
    };
  }

  async function close(): Promise<void> {
    for (const subscription of subscriptions) subscription.close();
    await Promise.all(following);
    for (const client of clients) client.close();
    appender.close();
  }

  return { round, close };
}

async function startServer(scratch: Scratch, cpuProfileDir?: string): Promise<ServerProcess> {
  const server = await startServerProcess("annals", [scratch.file("live")], cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`]);
  // The profiler's own thread keeps the process's CPU time rising: a profiled server is given a fixed pause instead.
  if (cpuProfileDir === undefined) await waitUntilIdle(server);
  else await new Promise((resolve) => setTimeout(resolve, 3_000));
  return server;
}

/** The live-latency benchmark, for the harness (`tools/bench/src/main.ts`). */
export function liveLatencyBenchmarks(scratch: Scratch, options: LiveLatencyOptions = defaultLiveLatencyOptions): Benchmark[] {
  return [
    {
      id: liveLatencyId,
      group: "Live subscriptions (server in its own process)",
      title: `append acknowledged → delivered to ${options.subscribers} subscribers, ${options.rate.toLocaleString("en-US")} events/s`,
      unit: "deliveries/s",
      async prepare(): Promise<Runner> {
        const server = await startServer(scratch);
        const bench = await startLiveBench(`http://127.0.0.1:${server.port}`, server, options);
        return {
          round: () => bench.round(),
          async close() {
            await bench.close();
            await server.stop();
          },
        };
      },
    },
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      subscribers: { type: "string", default: String(defaultLiveLatencyOptions.subscribers) },
      rate: { type: "string", default: String(defaultLiveLatencyOptions.rate) },
      batch: { type: "string", default: String(defaultLiveLatencyOptions.batch) },
      seconds: { type: "string", default: String(defaultLiveLatencyOptions.seconds) },
      connections: { type: "string", default: String(defaultLiveLatencyOptions.connections) },
      rounds: { type: "string", default: "3" },
      url: { type: "string" },
      "server-cpu-prof": { type: "string" },
    },
  });
  const options: LiveLatencyOptions = {
    subscribers: Number(values.subscribers),
    rate: Number(values.rate),
    batch: Number(values.batch),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
  };
  const scratch = createScratch();
  try {
    const server = values.url === undefined ? await startServer(scratch, values["server-cpu-prof"]) : undefined;
    const bench = await startLiveBench(values.url ?? `http://127.0.0.1:${server!.port}`, server, options);
    process.stdout.write(
      `${options.subscribers} subscribers on ${options.connections} connections, ${options.rate.toLocaleString("en-US")} events/s ` +
        `in appends of ${options.batch}, rounds of ${options.seconds} s\n`,
    );
    const fixed = (value: number) => value.toFixed(2);
    // A first round warms the server and this process up; it is not reported.
    await bench.round();
    for (let index = 0; index < Number(values.rounds); index += 1) {
      const result = await bench.round();
      const latencies = result.latenciesMs!;
      process.stdout.write(
        `round ${index + 1}: ${latencies.length.toLocaleString("en-US")} deliveries (${result.failures} missing), ` +
          `latency p50 ${fixed(percentile(latencies, 50))} ms, p99 ${fixed(percentile(latencies, 99))} ms, max ${fixed(percentile(latencies, 100))} ms; ` +
          `${result.beforeAck.toLocaleString("en-US")} arrived before the ack; ` +
          `from the append's send: p50 ${fixed(percentile(result.fromSendMs, 50))} ms, p99 ${fixed(percentile(result.fromSendMs, 99))} ms; ` +
          `append p50 ${fixed(percentile(result.appendLatenciesMs, 50))} ms, p99 ${fixed(percentile(result.appendLatenciesMs, 99))} ms; ` +
          `${result.serverRssMiB === undefined ? "" : `server RSS ${result.serverRssMiB.toFixed(0)} MiB`}\n`,
      );
    }
    await bench.close();
    await server?.stop();
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
