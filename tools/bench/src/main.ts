/**
 * Annals benchmarks: `npm run bench` (full) or `npm run bench -- --quick` (< 1 min).
 * `--only <text>` runs the benchmarks whose id contains <text> (references included
 * only when they match too). Results: tools/bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchConfig } from "./config.js";
import { drivers } from "./databases.js";
import { createScratch, resultsDir } from "./fixtures.js";
import { runInterleaved, type Benchmark, type BenchResult } from "./harness.js";
import { emmettBenchmarks } from "./references/emmett.js";
import { rawInsertBenchmarks } from "./references/raw-inserts.js";
import { rawReadBenchmarks } from "./references/raw-reads.js";
import { transportBenchmarks } from "./references/transport.js";
import { describeMachine, driverComparison, formatReport, peerComparison, type Report } from "./report.js";
import { evaluateTargets } from "./targets.js";
import { serverAppendBenchmarks } from "./workloads/server-appends.js";
import { storeAppendBenchmarks } from "./workloads/store-appends.js";
import { storeReadBenchmarks } from "./workloads/store-reads.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });
  const config = benchConfig(values.quick ?? false);
  const scratch = createScratch();
  const removeScratch = () => scratch.remove();
  process.once("SIGINT", () => {
    removeScratch();
    process.exit(130);
  });
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const notes: string[] = [];

  const emmett = await emmettBenchmarks(config, scratch);
  notes.push(emmett.note);
  // Sets of benchmarks whose rounds interleave (each with its references); one
  // round runs at a time: the machine has two cores, and the gRPC rows use both.
  const [better, sqlite3] = drivers as [typeof drivers[0], typeof drivers[1]];
  const emmettReads = emmett.benchmarks.filter((benchmark) => benchmark.id.includes("read"));
  const sets: Benchmark[][] = [
    [
      ...rawInsertBenchmarks(config, scratch, better),
      ...storeAppendBenchmarks(config, scratch, better),
      ...rawInsertBenchmarks(config, scratch, sqlite3),
      ...storeAppendBenchmarks(config, scratch, sqlite3),
      ...emmett.benchmarks.filter((benchmark) => !emmettReads.includes(benchmark)),
    ],
    [...rawReadBenchmarks(config, scratch, better), ...storeReadBenchmarks(config, scratch, better), ...emmettReads],
    [...transportBenchmarks(config), ...drivers.flatMap((driver) => serverAppendBenchmarks(config, scratch, driver))],
  ]
    .map((set) => set.filter((benchmark) => values.only === undefined || benchmark.id.includes(values.only)))
    .filter((set) => set.length > 0);

  const results: BenchResult[] = [];
  try {
    for (const set of sets) {
      results.push(...(await runInterleaved(set, { warmupRounds: config.warmupRounds, rounds: config.rounds, roundMs: config.roundMs, warmupMs: config.warmupMs, log })));
    }
  } finally {
    removeScratch();
  }

  const report: Report = {
    date: new Date().toISOString(),
    quick: config.quick,
    wallSeconds: (performance.now() - started) / 1000,
    machine: describeMachine(),
    config,
    notes,
    results,
    driverComparison: driverComparison(results),
    peerComparison: peerComparison(results),
    targets: evaluateTargets(results),
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, "latest.json");
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${formatReport(report)}\n\nResults: ${file}\n`);
  if (results.some((result) => result.error)) process.exitCode = 1;
}

await main();
