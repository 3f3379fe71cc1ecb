import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseMoney } from "@annals/bank";
import { accountStream, createAccountRepository, createCommandHandler, encodeAccountEvent } from "@annals/server";
import { openEventStore, type EventStore } from "@annals/store";

/**
 * Loading one bank account of 100,000 events: full replay against starting
 * from a snapshot, for several snapshot intervals N; and what taking a
 * snapshot every N events costs each command.
 *
 *   npm run bench:snapshots [-- --events 100000 --rounds 7]
 *
 * The account is written straight into the store (real events and audit
 * metadata, 1,000 per append); then, for each N (largest first), a snapshot is
 * saved N-1 events (worst case) and N/2 events (average) below the head and
 * the current state is loaded from it.
 */

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const totalEvents = option("events", 100_000);
const rounds = option("rounds", 7);
const intervals = [5_000, 1_000, 500, 100, 50, 10].filter((every) => every < totalEvents);
const accountId = "BENCH-001";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(times: number, run: () => Promise<unknown>): Promise<{ median: number; min: number }> {
  await run(); // warm-up
  const samples: number[] = [];
  for (let round = 0; round < times; round += 1) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return { median: median(samples), min: Math.min(...samples) };
}

const audit = { actor: "bench", command_id: "", command_type: "Deposit", correlation_id: randomUUID(), causation_id: "", received_at: new Date().toISOString() };

async function writeAccount(store: EventStore): Promise<void> {
  const stream = accountStream(accountId);
  const opened = encodeAccountEvent({ type: "AccountOpened", accountId, initialBalance: parseMoney("0"), owner: "bench" });
  const deposit = encodeAccountEvent({ type: "MoneyDeposited", accountId, amount: parseMoney("1.25") });
  let written = 0;
  while (written < totalEvents) {
    const count = Math.min(1_000, totalEvents - written);
    const events = Array.from({ length: count }, (_, index) => {
      const commandId = randomUUID();
      const encoded = written + index === 0 ? opened : deposit;
      return { ...encoded, metadata: { ...audit, command_type: written + index === 0 ? "OpenAccount" : "Deposit", command_id: commandId, causation_id: commandId } };
    });
    await store.appendToStream(stream, events, { expectedRevision: written === 0 ? "no_stream" : written - 1 });
    written += count;
  }
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(0);
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "annals-bench-snapshots-"));
  const database = join(folder, "annals.db");
  const store = await openEventStore({ database });
  try {
    const setupStart = performance.now();
    await writeAccount(store);
    console.log(`account ${accountId}: ${totalEvents.toLocaleString("en")} events written in ${((performance.now() - setupStart) / 1000).toFixed(1)} s (SQLite, better-sqlite3, synchronous FULL)\n`);

    const plain = createAccountRepository({ store, snapshotEvery: 0 });
    const full = await timed(Math.min(rounds, 5), () => plain.load(accountId));
    const check = (await plain.load(accountId)).view.state;
    const expectedBalance = (1.25 * (totalEvents - 1)).toFixed(2);
    if (check.version !== totalEvents || check.balance.toFixed(2) !== expectedBalance) throw new Error("the replayed state is wrong");
    console.log(`full replay (no snapshot):        median ${ms(full.median)} ms, min ${ms(full.min)} ms`);

    const withSnapshots = createAccountRepository({ store, snapshotEvery: 1 });
    const rows: Array<{ every: number; worst: number; average: number; save: number; perCommand: number }> = [];
    for (const every of intervals) {
      const snapshotAt = async (version: number) => withSnapshots.saveSnapshot(accountId, (await plain.load(accountId, { version })).view);
      const saves: number[] = [];
      let start = performance.now();
      await snapshotAt(totalEvents - (every - 1));
      saves.push(performance.now() - start);
      const worst = await timed(rounds, () => withSnapshots.load(accountId));
      start = performance.now();
      await snapshotAt(totalEvents - Math.floor(every / 2));
      saves.push(performance.now() - start);
      const average = await timed(rounds, () => withSnapshots.load(accountId));
      const loaded = (await withSnapshots.load(accountId)).view.state;
      if (loaded.version !== check.version || !loaded.balance.equals(check.balance)) throw new Error("the state from a snapshot differs");
      // Saving a snapshot in the command path: reload from the previous snapshot (worst case) and one write transaction.
      const saveOnly = await timed(3, () => store.snapshots.save({ stream: accountStream(accountId), revision: 0, type: "bench.Probe", state: new Uint8Array(64) }));
      rows.push({ every, worst: worst.median, average: average.median, save: saveOnly.median, perCommand: (worst.median + saveOnly.median) / every });
    }
    console.log("\nfrom a snapshot, current state of the 100,000-event account (median of rounds):");
    console.log("  every N   worst (N-1 events)   average (N/2)   speed-up (avg)   save   snapshot cost per command");
    for (const row of rows) {
      console.log(
        `  ${String(row.every).padStart(7)}   ${ms(row.worst).padStart(12)} ms   ${ms(row.average).padStart(10)} ms   ${`${Math.round(full.median / row.average)}x`.padStart(14)}   ${ms(row.save).padStart(4)} ms   ${ms(row.perCommand).padStart(14)} ms`,
      );
    }

    // Commands through the real handler on accounts that already hold 5,000 events.
    const commands = 200;
    const prefill = 5_000;
    const commandCost = async (every: number) => {
      const id = `CMD-${every}-${randomUUID().slice(0, 6)}`;
      const repository = createAccountRepository({ store, snapshotEvery: every });
      const handler = createCommandHandler({ store, repository });
      const context = { actor: "bench", correlationId: randomUUID(), causationId: undefined, receivedAt: new Date() };
      await handler.execute({ commandId: randomUUID(), command: { type: "OpenAccount", accountId: id, initialBalance: parseMoney("0") } }, context);
      const deposit = encodeAccountEvent({ type: "MoneyDeposited", accountId: id, amount: parseMoney("1") });
      for (let written = 1; written < prefill; written += 1_000) {
        const count = Math.min(1_000, prefill - written);
        await store.appendToStream(accountStream(id), Array.from({ length: count }, () => ({ ...deposit, metadata: audit })));
      }
      const samples: number[] = [];
      for (let index = 0; index < commands; index += 1) {
        const start = performance.now();
        await handler.execute({ commandId: randomUUID(), command: { type: "Deposit", accountId: id, amount: parseMoney("1") } }, context);
        samples.push(performance.now() - start);
      }
      return { median: median(samples), mean: samples.reduce((sum, value) => sum + value, 0) / samples.length };
    };
    console.log(`\ncommand latency: ${commands} sequential deposits on an account of ${prefill.toLocaleString("en")} events (the first loads without a snapshot):`);
    for (const every of [0, 10, 50, 100, 500, 1_000]) {
      const cost = await commandCost(every);
      console.log(`  snapshots ${every === 0 ? "off       " : `every ${String(every).padEnd(5)}`}  median ${ms(cost.median)} ms, mean ${ms(cost.mean)} ms`);
    }
    console.log(`\ndatabase file: ${(statSync(database).size / 2 ** 20).toFixed(1)} MiB`);
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
