/**
 * The cost of the lifecycle features, measured in one run on one SQLite file each:
 * - crypto-shredding: append and read throughput with every event naming a data
 *   subject (sealed with AES-256-GCM) against the same events without, and their ratio;
 * - scavenging: events removed per second by a pass with no pause;
 * - a bystander's append latency (p50/p99) while a background-paced pass runs,
 *   against the same appends with no pass.
 *
 * `npx tsx --conditions=@annals/source tools/bench/src/lifecycle.ts`
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataSubjectKey, openEventStore, type EventStore, type ProposedEvent } from "@annals/store";

const folder = mkdtempSync(join(tmpdir(), "annals-lifecycle-bench-"));
const payload = randomBytes(200);

function batch(size: number, subject: string | undefined): ProposedEvent[] {
  return Array.from({ length: size }, () => ({ id: randomUUID(), type: "bench.Happened", data: payload, ...(subject ? { metadata: { [dataSubjectKey]: subject } } : {}) }));
}

async function open(name: string): Promise<EventStore> {
  return openEventStore({ database: join(folder, `${name}.db`), masterKey: randomBytes(32) });
}

async function appendRate(store: EventStore, subjects: boolean, events: number): Promise<number> {
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let index = 0; index < events / 10; index += 1) {
    inFlight.push(store.appendToStream(`s-${index % 500}`, batch(10, subjects ? `subject-${index % 100}` : undefined)));
    if (inFlight.length >= 64) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  return events / ((performance.now() - started) / 1000);
}

async function readRate(store: EventStore): Promise<number> {
  const started = performance.now();
  let count = 0;
  for await (const page of store.readAll()) count += page.length;
  return count / ((performance.now() - started) / 1000);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function bystander(store: EventStore, ms: number): Promise<{ p50: number; p99: number; count: number }> {
  const latencies: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const started = performance.now();
    await store.appendToStream("bystander", batch(1, undefined));
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), count: latencies.length };
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);

try {
  const events = 50_000;
  // Crypto: plain and sealed alternately, twice, on two files; the best of each.
  const plain = await open("plain");
  const sealed = await open("sealed");
  const appends = { plain: 0, sealed: 0 };
  for (let round = 0; round < 2; round += 1) {
    appends.plain = Math.max(appends.plain, await appendRate(plain, false, events / 2));
    appends.sealed = Math.max(appends.sealed, await appendRate(sealed, true, events / 2));
  }
  const reads = { plain: 0, sealed: 0 };
  for (let round = 0; round < 3; round += 1) {
    reads.plain = Math.max(reads.plain, await readRate(plain));
    reads.sealed = Math.max(reads.sealed, await readRate(sealed));
  }
  console.log(`crypto-shredding, ${events} events of 200 bytes in appends of 10 (64 in flight), 100 subjects:`);
  console.log(`  append: plain ${fixed(appends.plain)} events/s, sealed ${fixed(appends.sealed)} events/s, ratio ${fixed(appends.sealed / appends.plain, 2)}`);
  console.log(`  readAll: plain ${fixed(reads.plain)} events/s, sealed ${fixed(reads.sealed)} events/s, ratio ${fixed(reads.sealed / reads.plain, 2)}`);
  await plain.close();
  await sealed.close();

  // Scavenging: 100,000 events of which 90,000 hidden (max count).
  const log = await open("scavenge");
  for (let index = 0; index < 100; index += 1) await log.appendToStream(`big-${index % 10}`, batch(1_000, undefined));
  for (let index = 0; index < 10; index += 1) await log.setStreamMetadata(`big-${index}`, { maxCount: 1_000 });
  const quiet = await bystander(log, 2_000);
  let removed = 0;
  const started = performance.now();
  for await (const step of log.scavenge({ batchSize: 1_000 })) removed = step.removed;
  const seconds = (performance.now() - started) / 1000;
  console.log(`scavenging (batches of 1,000 positions, no pause): ${removed} events removed in ${fixed(seconds, 2)} s, ${fixed(removed / seconds)} events/s`);

  // Bystander latency during a paced pass (the background defaults: batches of 1,000, 10 ms apart).
  for (let index = 0; index < 100; index += 1) await log.appendToStream(`big-${index % 10}`, batch(1_000, undefined));
  let scavenging = true;
  let pacedRemoved = 0;
  const pass = (async () => {
    for await (const step of log.scavenge({ batchSize: 1_000, pauseMs: 10 })) pacedRemoved = step.removed;
    scavenging = false;
  })();
  const during = await bystander(log, 2_000);
  const stillRunning = scavenging;
  await pass;
  console.log(`bystander appends of 1 event, one at a time, 2 s each:`);
  console.log(`  without a pass: p50 ${fixed(quiet.p50, 2)} ms, p99 ${fixed(quiet.p99, 2)} ms (${quiet.count} appends)`);
  console.log(`  during a paced pass: p50 ${fixed(during.p50, 2)} ms, p99 ${fixed(during.p99, 2)} ms (${during.count} appends; pass removed ${pacedRemoved}${stillRunning ? ", still running at the end" : ""})`);
  await log.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}
