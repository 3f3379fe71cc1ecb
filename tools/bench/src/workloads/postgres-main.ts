/**
 * Annals on PostgreSQL: `npm run bench:postgres` (full, a few minutes) or
 * `npm run bench:postgres -- --quick` (about a minute). `--db <url>` picks the
 * database (default `ANNALS_TEST_PG`, else postgres://postgres@127.0.0.1:5432/test);
 * every benchmark works in a throwaway schema, dropped at the end. The last group runs,
 * over gRPC in the same run, the bare HTTP/2 and Connect echoes and the Annals server
 * on PostgreSQL (in its own process, on its own throwaway schema). `--only <text>`
 * runs the benchmarks whose id contains <text>. Results:
 * tools/bench/results/postgres-latest.json.
 *
 * `--peers` instead runs the side-by-side comparison on PostgreSQL (`postgres-peers.ts`):
 * Annals (store and server, lock and xid orderings), Emmett PostgreSQL and Message DB
 * (in process and pgbench), each workload's systems interleaved round by round, rounds
 * of at least 2 s after a discarded warm-up. Results: tools/bench/results/postgres-peers-latest.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { testPostgresUrl, withPostgresClient } from "@annals/store/testing-postgres";
import { eventsPerBatch } from "../config.js";
import { resultsDir } from "../fixtures.js";
import { runBenchmark, type Benchmark, type BenchResult } from "../harness.js";
import { transportIds } from "../references/transport.js";
import { describeMachine } from "../report.js";
import { createPostgresScratch, postgresBenchConfig, type PostgresBenchConfig } from "./postgres-fixtures.js";
import { postgresRawBenchmarks, postgresRawIds } from "./postgres-raw.js";
import { postgresServerBenchmarks, postgresServerIds } from "./postgres-server.js";
import { postgresStoreBenchmarks, postgresStoreIds } from "./postgres-store.js";
import { runPeers } from "./postgres-peers-run.js";

interface Target {
  name: string;
  goal: string;
  measured: string;
  status: "PASS" | "MISS" | "SKIP";
}

interface OrderingCost {
  shape: string;
  plain?: number;
  ordered?: number;
  /** 1 - ordered / plain */
  cost?: number;
}

const integer = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "-");
const ms = (value: number | undefined) => (value === undefined ? "" : value < 10 ? value.toFixed(2) : value.toFixed(1));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

function usable(result: BenchResult | undefined): result is BenchResult {
  return result !== undefined && result.error === undefined && Number.isFinite(result.median);
}

function targets(byId: Map<string, BenchResult>): Target[] {
  const store = postgresStoreIds;
  const raw = postgresRawIds;
  const ratio = (name: string, id: string, referenceId: string, atLeast: number): Target => {
    const result = byId.get(id);
    const reference = byId.get(referenceId);
    const goal = `≥ ${atLeast}× ${referenceId}`;
    if (!usable(result) || !usable(reference)) return { name, goal, measured: "-", status: "SKIP" };
    const value = result.median / reference.median;
    return { name, goal, measured: `${value.toFixed(1)}× (${integer(result.median)} vs ${integer(reference.median)})`, status: value >= atLeast ? "PASS" : "MISS" };
  };
  const rate = (name: string, id: string, atLeast: number): Target => {
    const result = byId.get(id);
    const goal = `≥ ${integer(atLeast)} events/s`;
    if (!usable(result)) return { name, goal, measured: "-", status: "SKIP" };
    return { name, goal, measured: `${integer(result.median)} events/s (min ${integer(result.min)})`, status: result.median >= atLeast ? "PASS" : "MISS" };
  };
  const overGrpc = (name: string, id: string, share: number): Target => {
    const result = byId.get(id);
    const echo = byId.get(transportIds.connect);
    const goal = `≥ ${(share * 100).toFixed(0)} % of ${transportIds.connect} (same run)`;
    if (!usable(result) || !usable(echo)) return { name, goal, measured: "-", status: "SKIP" };
    const value = result.median / echo.median;
    return {
      name,
      goal,
      measured: `${(value * 100).toFixed(0)} % (${integer(result.median)} vs ${integer(echo.median)} calls/s)`,
      status: value >= share ? "PASS" : "MISS",
    };
  };
  return [
    ratio("single-event appends, 64 callers, vs one transaction per row", store.concurrent, raw.txPerRow, 5),
    rate("100-event appends, one caller", store.batch, 50_000),
    rate("$all catch-up", store.catchUp, 150_000),
    overGrpc("end to end over gRPC: server on PostgreSQL, single-event Append, 64 in flight", postgresServerIds.single, 0.8),
  ];
}

function orderingCosts(byId: Map<string, BenchResult>, config: PostgresBenchConfig): OrderingCost[] {
  const pair = (shape: string, plainId: string, orderedId: string): OrderingCost => {
    const plain = byId.get(plainId);
    const ordered = byId.get(orderedId);
    const cost: OrderingCost = { shape };
    if (usable(plain)) cost.plain = plain.median;
    if (usable(ordered)) cost.ordered = ordered.median;
    if (cost.plain !== undefined && cost.ordered !== undefined) cost.cost = 1 - cost.ordered / cost.plain;
    return cost;
  };
  return [
    pair("100-row transactions, one writer", postgresRawIds.batch, postgresRawIds.batchLocked),
    pair(`100-row transactions, ${config.writers} writers`, postgresRawIds.writers, postgresRawIds.writersLocked),
    pair("store 100-event appends vs plain 100-row transactions, one caller", postgresRawIds.batch, postgresStoreIds.batch),
  ];
}

function formatReport(report: { date: string; quick: boolean; wallSeconds: number; database: string; config: PostgresBenchConfig; results: BenchResult[]; ordering: OrderingCost[]; targets: Target[] }): string {
  const machine = describeMachine();
  const byId = new Map(report.results.map((result) => [result.id, result]));
  const out = [
    `Annals on PostgreSQL, ${report.quick ? "quick" : "full"} run, ${report.date}`,
    `${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}; ${report.database}`,
    `${report.config.warmupRounds} warm-up + ${report.config.rounds} rounds each, median (min–max); wall time ${report.wallSeconds.toFixed(0)} s`,
  ];
  for (const group of [...new Set(report.results.map((result) => result.group))]) {
    out.push("", group);
    const rows = report.results
      .filter((result) => result.group === group)
      .map((result) => {
        if (result.error) return [result.title, "error", "", result.unit, "", "", result.error.slice(0, 60)];
        const reference = result.reference ? byId.get(result.reference) : undefined;
        const ratio = usable(reference) ? `${(result.median / reference.median).toFixed(2)}× ${result.reference}` : "";
        const latency = result.p99Ms === undefined ? "" : `${ms(result.p50Ms)} / ${ms(result.p99Ms)}`;
        const failures = result.failures > 0 ? ` (${result.failures} failed)` : "";
        const cpu = result.cpuMsPerCall === undefined ? "" : result.cpuMsPerCall.toFixed(3);
        return [result.title + failures, integer(result.median), `${integer(result.min)}–${integer(result.max)}`, result.unit, latency, cpu, ratio];
      });
    out.push(table(["benchmark", "median", "min–max", "unit", "p50 / p99 ms", "server CPU ms/call", "ratio vs reference"], rows));
  }
  const batch = byId.get(postgresServerIds.batch);
  if (usable(batch)) out.push(`(${postgresServerIds.batch}: ${integer(batch.median * eventsPerBatch)} events/s)`);
  out.push(
    "",
    "Cost of the advisory-lock ordering (lock + head read per transaction) against plain inserts",
    table(
      ["shape", "plain rows/s", "ordered rows/s", "cost"],
      report.ordering.map((c) => [c.shape, integer(c.plain), integer(c.ordered), c.cost === undefined ? "-" : `${(c.cost * 100).toFixed(0)} %`]),
    ),
    "",
    "Targets (issue 4)",
    table(
      ["target", "goal", "measured", "status"],
      report.targets.map((t) => [t.name, t.goal, t.measured, t.status]),
    ),
  );
  return out.join("\n");
}

async function describeDatabase(url: string): Promise<string> {
  return withPostgresClient(url, async (client) => {
    const version = (await client.query<{ server_version: string }>("show server_version")).rows[0]!.server_version;
    const settings = await client.query<{ name: string; setting: string }>(
      "select name, setting from pg_settings where name in ('synchronous_commit', 'fsync', 'shared_buffers', 'wal_level') order by name",
    );
    return `PostgreSQL ${version} (${settings.rows.map((row) => `${row.name}=${row.setting}`).join(", ")})`;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" }, db: { type: "string" }, peers: { type: "boolean", default: false } } });
  if (values.peers) {
    await runPeers({ quick: values.quick ?? false, url: values.db ?? testPostgresUrl(), only: values.only });
    return;
  }
  const config = postgresBenchConfig(values.quick ?? false);
  const url = values.db ?? testPostgresUrl();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  const database = await describeDatabase(url);
  const scratch = createPostgresScratch(url);

  // Bounded in time: past the budget the run cleans up and stops.
  let stopping = false;
  const abort = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`bench:postgres: ${reason}; dropping the throwaway schemas`);
    void scratch.cleanup().finally(() => process.exit(code));
  };
  const budget = setTimeout(() => abort(`over its ${config.budgetMs / 1000} s budget`, 1), config.budgetMs);
  budget.unref();
  process.once("SIGINT", () => abort("interrupted", 130));

  const plan: Benchmark[] = [...postgresRawBenchmarks(config, scratch), ...postgresStoreBenchmarks(config, scratch), ...postgresServerBenchmarks(config, scratch)].filter(
    (benchmark) => values.only === undefined || benchmark.id.includes(values.only),
  );
  const results: BenchResult[] = [];
  try {
    for (const benchmark of plan) {
      results.push(await runBenchmark(benchmark, { warmupRounds: config.warmupRounds, rounds: config.rounds, roundMs: config.roundMs, warmupMs: config.warmupMs, log }));
    }
  } finally {
    clearTimeout(budget);
    await scratch.cleanup();
  }

  const byId = new Map(results.map((result) => [result.id, result]));
  const report = {
    date: new Date().toISOString(),
    quick: config.quick,
    wallSeconds: (performance.now() - started) / 1000,
    database,
    machine: describeMachine(),
    config,
    results,
    ordering: orderingCosts(byId, config),
    targets: targets(byId),
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, "postgres-latest.json");
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${formatReport(report)}\n\nResults: ${file}\n`);
  if (results.some((result) => result.error)) process.exitCode = 1;
}

await main();
