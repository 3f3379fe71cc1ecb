import { cpus, totalmem } from "node:os";
import type { BenchConfig } from "./config.js";
import { ratioOf, type BenchResult } from "./harness.js";
import { drivers } from "./databases.js";
import { emmettIds } from "./references/emmett.js";
import { rawIds } from "./references/raw-inserts.js";
import type { TargetResult } from "./targets.js";
import { serverIds } from "./workloads/server-appends.js";
import { storeIds } from "./workloads/store-appends.js";
import { storeReadIds } from "./workloads/store-reads.js";

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export interface Comparison {
  workload: string;
  left: string;
  right: string;
  leftValue?: number;
  rightValue?: number;
  /** left / right */
  ratio?: number;
}

export interface Report {
  date: string;
  quick: boolean;
  wallSeconds: number;
  machine: Machine;
  config: BenchConfig;
  notes: string[];
  results: BenchResult[];
  driverComparison: Comparison[];
  peerComparison: Comparison[];
  targets: TargetResult[];
}

const integer = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "-");
const ms = (value: number | undefined) => (value === undefined ? "" : value < 10 ? value.toFixed(2) : value.toFixed(1));

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(" | ")} |`;
  const rule = `|${widths.map((width, column) => (rightAligned.has(column) ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2))).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function compare(results: Map<string, BenchResult>, workload: string, left: string, right: string): Comparison {
  const l = results.get(left);
  const r = results.get(right);
  const comparison: Comparison = { workload, left, right };
  if (l && !l.error) comparison.leftValue = l.median;
  if (r && !r.error) comparison.rightValue = r.median;
  if (l && r && !l.error && !r.error) comparison.ratio = ratioOf(l, r).median;
  return comparison;
}

export function driverComparison(results: readonly BenchResult[]): Comparison[] {
  const byId = new Map(results.map((result) => [result.id, result]));
  const [better, sqlite3] = drivers as [typeof drivers[0], typeof drivers[1]];
  const rows: Array<[string, string, string]> = [
    ["store: single-event appends, one caller", storeIds(better).sequential, storeIds(sqlite3).sequential],
    ["store: single-event appends, 64 callers", storeIds(better).concurrent, storeIds(sqlite3).concurrent],
    ["store: 100-event appends", storeIds(better).batch, storeIds(sqlite3).batch],
    ["server over gRPC: single-event Append, 64 in flight (calls/s)", serverIds(better).single, serverIds(sqlite3).single],
    ["server over gRPC: 100-event Append, 16 in flight", serverIds(better).batch, serverIds(sqlite3).batch],
    ["raw: 100 rows per transaction", rawIds(better).batch, rawIds(sqlite3).batch],
    ["raw: all rows in one transaction", rawIds(better).bulk, rawIds(sqlite3).bulk],
    ["raw: one transaction per row", rawIds(better).txPerRow, rawIds(sqlite3).txPerRow],
  ];
  return rows.map(([workload, left, right]) => compare(byId, workload, left, right));
}

export function peerComparison(results: readonly BenchResult[]): Comparison[] {
  const byId = new Map(results.map((result) => [result.id, result]));
  const annals = storeIds("better-sqlite3");
  const reads = storeReadIds("better-sqlite3");
  return [
    compare(byId, "single-event appends, one caller", annals.sequential, emmettIds.sequential),
    compare(byId, "100-event appends, one caller", annals.batch, emmettIds.batch),
    compare(byId, "read a 100,000-event stream", reads.stream, emmettIds.stream),
  ];
}

function comparisonTable(comparisons: readonly Comparison[], left: string, right: string, unit: string): string {
  return table(
    ["workload", `${left} ${unit}`, `${right} ${unit}`, `${left} / ${right}`],
    comparisons.map((c) => [c.workload, integer(c.leftValue ?? Number.NaN), integer(c.rightValue ?? Number.NaN), c.ratio === undefined ? "-" : `${c.ratio.toFixed(2)}×`]),
    new Set([1, 2, 3]),
  );
}

/** The printed report: results by section with ratios, driver and peer comparisons, targets. */
export function formatReport(report: Report): string {
  const byId = new Map(report.results.map((result) => [result.id, result]));
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `Annals benchmarks, ${report.quick ? "quick" : "full"} run, ${report.date}`,
    `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; ${report.config.warmupRounds} warm-up + ${report.config.rounds} rounds each, median (min–max); wall time ${report.wallSeconds.toFixed(0)} s`,
  );
  for (const note of report.notes) out.push(note);
  const groups = [...new Set(report.results.map((result) => result.group))];
  for (const group of groups) {
    out.push("", group);
    const rows = report.results
      .filter((result) => result.group === group)
      .map((result) => {
        const reference = result.reference ? byId.get(result.reference) : undefined;
        let ratio = result.reference ?? "";
        if (reference && !reference.error && !result.error) {
          const r = ratioOf(result, reference);
          ratio = `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)}) ${result.reference}`;
        }
        const latency = result.p99Ms === undefined ? "" : `${ms(result.p50Ms)} / ${ms(result.p99Ms)}`;
        const failures = result.failures > 0 ? ` (${result.failures} failed)` : "";
        if (result.error) return [result.title, "error", "", result.unit, "", "", result.error.slice(0, 60)];
        return [
          result.title + failures,
          integer(result.median),
          `${integer(result.min)}–${integer(result.max)}`,
          result.unit,
          latency,
          ms(result.cpuMsPerCall),
          ratio,
        ];
      });
    out.push(table(["benchmark", "median", "min–max", "unit", "p50 / p99 ms", "server CPU ms/call", "ratio vs reference: median (min–max) of per-round ratios"], rows, new Set([1, 2, 4, 5])));
  }
  const drivers = report.driverComparison.filter((c) => c.leftValue !== undefined || c.rightValue !== undefined);
  if (drivers.length > 0) out.push("", "Driver comparison (SQLite drivers, same run)", comparisonTable(drivers, "better-sqlite3", "sqlite3", "events/s"));
  if (report.peerComparison.some((c) => c.rightValue !== undefined)) {
    out.push("", "Annals vs Emmett (same workload, same engine)", comparisonTable(report.peerComparison, "Annals", "Emmett", "events/s"));
  }
  out.push(
    "",
    "Targets",
    table(
      ["target", "goal", "measured", "status", "note"],
      report.targets.map((t) => [t.name, t.goal, t.measured, t.status, [t.margin, t.note].filter(Boolean).join("; ")]),
      new Set(),
    ),
  );
  return out.join("\n");
}
