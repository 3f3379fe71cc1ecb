import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { resultsDir } from "../fixtures.js";
import { runInterleaved, type BenchResult } from "../harness.js";
import { describeMachine } from "../report.js";
import { createPostgresScratch } from "./postgres-fixtures.js";
import { peerBenchmarks, peerId, peerSystems, peerWorkloads, type PeerSystem, type PeerWorkload } from "./postgres-peers.js";

interface PeerTarget {
  workload: PeerWorkload;
  system: PeerSystem;
  reference: PeerSystem;
  atLeast: number;
}

/** Issue 15's targets: the store against Emmett, the server against Message DB's pgbench figures. */
const peerTargets: readonly PeerTarget[] = [
  ...(["single", "batch1", "batch16"] as const).flatMap((workload) => [
    { workload, system: "annals-store-lock" as const, reference: "emmett" as const, atLeast: 1.2 },
    { workload, system: "annals-store-xid" as const, reference: "emmett" as const, atLeast: 1.2 },
    { workload, system: "annals-grpc-lock" as const, reference: "messagedb-pgbench" as const, atLeast: 1 },
    { workload, system: "annals-grpc-xid" as const, reference: "messagedb-pgbench" as const, atLeast: 1 },
  ]),
  { workload: "read-stream", system: "annals-store-lock", reference: "emmett", atLeast: 1 },
  ...(["read-stream", "read-all"] as const).flatMap((workload) => [
    { workload, system: "annals-grpc-lock" as const, reference: "messagedb-pgbench" as const, atLeast: 0.7 },
    { workload, system: "annals-grpc-xid" as const, reference: "messagedb-pgbench" as const, atLeast: 0.7 },
  ]),
];

const integer = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "-");

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

const usable = (result: BenchResult | undefined): result is BenchResult => result !== undefined && result.error === undefined && Number.isFinite(result.median);

export async function runPeers(options: { quick: boolean; url: string; only?: string }): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const roundMs = options.quick ? 1_000 : 2_000;
  const run = { warmupRounds: 1, rounds: options.quick ? 2 : 3, roundMs, warmupMs: roundMs, log };
  const scratch = createPostgresScratch(options.url);
  process.once("SIGINT", () => void scratch.cleanup().finally(() => process.exit(130)));
  const started = performance.now();
  const results: BenchResult[] = [];
  const loads: Record<string, { before: number[]; after: number[] }> = {};
  try {
    for (const { workload } of peerWorkloads) {
      if (options.only !== undefined && !workload.includes(options.only)) continue;
      const before = loadavg();
      log(`peers: ${workload} (load ${before.map((value) => value.toFixed(2)).join(" ")})`);
      results.push(...(await runInterleaved(peerBenchmarks(scratch, workload, roundMs), run)));
      loads[workload] = { before, after: loadavg() };
      await scratch.cleanup();
    }
  } finally {
    await scratch.cleanup();
  }

  const byId = new Map(results.map((result) => [result.id, result]));
  const machine = describeMachine();
  const out = [
    `Annals and its peers on PostgreSQL, ${new Date().toISOString()}; wall time ${((performance.now() - started) / 1000).toFixed(0)} s`,
    `${machine.cores} cores (${machine.cpu}), Node ${machine.node}; ${run.warmupRounds} warm-up + ${run.rounds} rounds of ${roundMs} ms each, interleaved per workload, median (min–max)`,
  ];
  for (const { workload, title } of peerWorkloads) {
    const load = loads[workload];
    if (!load) continue;
    out.push("", `${title} — load average before ${load.before.map((v) => v.toFixed(2)).join(" ")}, after ${load.after.map((v) => v.toFixed(2)).join(" ")}`);
    const rows = peerSystems.map((system) => {
      const result = byId.get(peerId(workload, system));
      if (!result) return [system, "-", "", "", ""];
      if (result.error !== undefined || !Number.isFinite(result.median)) return [result.title, "error", "", "", (result.error ?? "").slice(0, 90)];
      const failures = result.failures > 0 ? ` (${result.failures} failed)` : "";
      const latency = result.p50Ms === undefined ? "" : `${result.p50Ms.toFixed(2)} / ${result.p99Ms?.toFixed(2) ?? "-"}`;
      return [result.title + failures, integer(result.median), `${integer(result.min)}–${integer(result.max)}`, latency, ""];
    });
    out.push(table(["system", "events/s", "min–max", "p50 / p99 ms", "note"], rows));
  }
  const targets = peerTargets
    .filter((target) => loads[target.workload])
    .map((target) => {
      const result = byId.get(peerId(target.workload, target.system));
      const reference = byId.get(peerId(target.workload, target.reference));
      const goal = `≥ ${target.atLeast}× ${target.reference}`;
      if (!usable(result) || !usable(reference)) return [target.workload, target.system, goal, "-", "SKIP"];
      const ratio = result.median / reference.median;
      return [target.workload, target.system, goal, `${ratio.toFixed(2)}× (${integer(result.median)} vs ${integer(reference.median)})`, ratio >= target.atLeast ? "PASS" : "MISS"];
    });
  out.push("", "Targets (issue 15)", table(["workload", "system", "goal", "measured", "status"], targets));
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, "postgres-peers-latest.json");
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, run: { ...run, log: undefined }, loads, results }, null, 2)}\n`);
  process.stdout.write(`\n${out.join("\n")}\n\nResults: ${file}\n`);
  if (results.some((result) => result.error && !result.error.includes("no category or global read"))) process.exitCode = 1;
}
