import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseMoney } from "@annals/bank";
import { accountDecider, accountEvents, accountSnapshots, accountStream } from "@annals/bank-service";
import { createAnnalsClient } from "@annals/sdk";
import { createLogger, startServer } from "@annals/server";
import { openEventStore } from "@annals/store";
import { createCommandHandler, createStateLoader, newCommandId } from "@annals/toolkit";
import { createKnexSnapshotStore, openServiceDatabase } from "@annals/toolkit/knex";
import { positiveIntegerOption } from "../options.js";

/**
 * Loading one bank account of 100,000 events through the toolkit, over gRPC
 * from a real event store server: full replay against starting from a snapshot
 * (kept in the bank's own SQLite database), for several snapshot intervals N;
 * and the latency of a command with snapshots every N.
 *
 *   npm run bench:snapshots [-- --events 100000 --rounds 7]
 *
 * The account is written straight through the SDK (real events and audit
 * metadata, 1,000 per append); then, for each N (largest first), a snapshot is
 * saved N-1 events (worst case) and N/2 events (average) below the head and the
 * current state is loaded from it: the snapshot from SQLite, the events after it
 * with one ReadStreamPage call (and one ReadStream for those beyond its 1,000).
 * Each measurement discards its first runs (`warmUps`); short loads run more rounds
 * (`roundsFor`), so that their median and mean are not those of a handful of
 * samples. Commands use time-ordered command ids, as the bank's client makes them.
 */

const totalEvents = positiveIntegerOption("events", 100_000);
const rounds = positiveIntegerOption("rounds", 7);
/** At least `rounds`; for small intervals up to 201, about 20,000 events read per interval in all. */
const roundsFor = (every: number) => Math.max(rounds, Math.min(201, Math.ceil(20_000 / every)));
const intervals = [5_000, 1_000, 500, 100, 50, 10].filter((every) => every < totalEvents);
const accountId = "BENCH-001";
const stream = accountStream(accountId);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Discarded runs before the measured ones: a service loads the same code paths all day, warm. */
const maxWarmUps = 20;
const warmUps = (times: number) => Math.min(times, maxWarmUps);

async function timed(times: number, run: () => Promise<unknown>): Promise<{ median: number; mean: number; min: number }> {
  for (let round = 0; round < warmUps(times); round += 1) await run();
  const samples: number[] = [];
  for (let round = 0; round < times; round += 1) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return { median: median(samples), mean: samples.reduce((sum, value) => sum + value, 0) / samples.length, min: Math.min(...samples) };
}

const audit = { actor: "bench", command_type: "Deposit", correlation_id: randomUUID(), received_at: new Date().toISOString() };

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(0);
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "annals-bench-snapshots-"));
  const store = await openEventStore({ database: join(folder, "annals.db") });
  const server = await startServer({ store, logger: createLogger({ level: "silent", pretty: false }), port: 0, host: "127.0.0.1", metrics: false });
  const client = createAnnalsClient({ baseUrl: server.url });
  const db = openServiceDatabase(join(folder, "bank.db"));
  const snapshots = createKnexSnapshotStore(db);
  await snapshots.setup();
  try {
    const setupStart = performance.now();
    const opened = accountEvents.encode({ type: "AccountOpened", accountId, initialBalance: parseMoney("0"), owner: "bench" });
    const deposit = accountEvents.encode({ type: "MoneyDeposited", accountId, amount: parseMoney("1.25") });
    for (let written = 0; written < totalEvents; written += 1_000) {
      const count = Math.min(1_000, totalEvents - written);
      const events = Array.from({ length: count }, (_, index) => ({ ...(written + index === 0 ? opened : deposit), metadata: { ...audit, command_id: randomUUID() } }));
      await client.appendToStream(stream, events, { expectedRevision: written === 0 ? "no_stream" : BigInt(written - 1) });
    }
    console.log(`account ${accountId}: ${totalEvents.toLocaleString("en")} events written in ${((performance.now() - setupStart) / 1000).toFixed(1)} s (event store on SQLite, over gRPC)\n`);

    const plain = createStateLoader({ client, decider: accountDecider, events: accountEvents });
    const full = await timed(Math.min(rounds, 5), () => plain.load(stream));
    const check = (await plain.load(stream)).state.state;
    const expectedBalance = (1.25 * (totalEvents - 1)).toFixed(2);
    if (check.version !== totalEvents || check.balance.toFixed(2) !== expectedBalance) throw new Error("the replayed state is wrong");
    console.log(`full replay (no snapshot):        median ${ms(full.median)} ms, min ${ms(full.min)} ms`);

    // `every` far above the stream's length: loads never save a snapshot of their own here.
    const fromSnapshots = createStateLoader({ client, decider: accountDecider, events: accountEvents, snapshots: { store: snapshots, state: accountSnapshots, every: 10_000_000 } });
    const rows: Array<{ every: number; worst: number; average: number; averageMean: number }> = [];
    for (const every of intervals) {
      const snapshotAt = async (version: number) => {
        const loaded = await plain.load(stream, { version: BigInt(version) });
        await snapshots.save({ stream, version: loaded.version, position: loaded.position!, recordedAt: loaded.recordedAt!, type: accountSnapshots.type, state: accountSnapshots.encode(loaded.state) });
      };
      await snapshotAt(totalEvents - (every - 1));
      const worst = await timed(roundsFor(every), () => fromSnapshots.load(stream));
      await snapshotAt(totalEvents - Math.floor(every / 2));
      const average = await timed(roundsFor(every), () => fromSnapshots.load(stream));
      const loaded = (await fromSnapshots.load(stream)).state.state;
      if (loaded.version !== check.version || !loaded.balance.equals(check.balance)) throw new Error("the state from a snapshot differs");
      rows.push({ every, worst: worst.median, average: average.median, averageMean: average.mean });
    }
    console.log(`\nfrom a snapshot, current state of the ${totalEvents.toLocaleString("en")}-event account (median of ${rounds}–${roundsFor(Math.min(...intervals))} rounds, more for short loads, after up to ${maxWarmUps} discarded; snapshot from SQLite + one ReadStreamPage over gRPC, then ReadStream past 1,000 events):`);
    console.log("  every N   worst (N-1 events)   average (N/2)   mean (N/2)   speed-up (avg)");
    for (const row of rows) {
      console.log(
        `  ${String(row.every).padStart(7)}   ${ms(row.worst).padStart(12)} ms   ${ms(row.average).padStart(10)} ms   ${ms(row.averageMean).padStart(7)} ms   ${`${Math.round(full.median / row.average)}x`.padStart(14)}`,
      );
    }

    // Commands through the toolkit's handler on accounts that already hold 5,000 events.
    const commands = 200;
    const prefill = 5_000;
    const commandCost = async (every: number) => {
      const id = `CMD-${every}-${randomUUID().slice(0, 6)}`;
      const handler = createCommandHandler({
        client,
        decider: accountDecider,
        events: accountEvents,
        ...(every > 0 ? { snapshots: { store: snapshots, state: accountSnapshots, every } } : {}),
      });
      await handler.handle(accountStream(id), { type: "OpenAccount", accountId: id, initialBalance: parseMoney("0") }, { commandId: newCommandId() });
      const deposit = accountEvents.encode({ type: "MoneyDeposited", accountId: id, amount: parseMoney("1") });
      for (let written = 1; written < prefill; written += 1_000) {
        const count = Math.min(1_000, prefill - written);
        await client.appendToStream(accountStream(id), Array.from({ length: count }, () => ({ ...deposit, metadata: audit })));
      }
      const samples: number[] = [];
      for (let index = 0; index < commands; index += 1) {
        const start = performance.now();
        await handler.handle(accountStream(id), { type: "Deposit", accountId: id, amount: parseMoney("1") }, { commandId: newCommandId() });
        samples.push(performance.now() - start);
      }
      return { median: median(samples), mean: samples.reduce((sum, value) => sum + value, 0) / samples.length };
    };
    console.log(`\ncommand latency: ${commands} sequential deposits on an account of ${prefill.toLocaleString("en")} events (the first loads without a snapshot):`);
    for (const every of [0, 10, 50, 100, 500, 1_000]) {
      const cost = await commandCost(every);
      console.log(`  snapshots ${every === 0 ? "off       " : `every ${String(every).padEnd(5)}`}  median ${ms(cost.median)} ms, mean ${ms(cost.mean)} ms`);
    }
  } finally {
    client.close();
    snapshots.close();
    await db.destroy();
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
