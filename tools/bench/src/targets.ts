import { ratioOf, type BenchResult } from "./harness.js";
import { emmettIds } from "./references/emmett.js";
import { rawIds } from "./references/raw-inserts.js";
import { transportIds } from "./references/transport.js";
import { serverIds } from "./workloads/server-appends.js";
import { storeIds } from "./workloads/store-appends.js";

export interface TargetResult {
  name: string;
  goal: string;
  /** What was measured, e.g. `0.62×` or `14.2 ms`. */
  measured: string;
  status: "PASS" | "MISS" | "SKIP";
  /** By how much it is missed or passed, when it was measured. */
  margin?: string;
  note?: string;
}

type Lookup = (id: string) => BenchResult | undefined;

function usable(result: BenchResult | undefined): result is BenchResult {
  return result !== undefined && result.error === undefined && Number.isFinite(result.median);
}

function ratioTarget(lookup: Lookup, name: string, id: string, referenceId: string, atLeast: number, note?: string): TargetResult {
  const result = lookup(id);
  const reference = lookup(referenceId);
  const goal = `≥ ${atLeast >= 1 ? `${atLeast}×` : `${atLeast * 100} %`} of ${referenceId}`;
  if (!usable(result) || !usable(reference)) return { name, goal, measured: "-", status: "SKIP", note: note ?? `needs ${id} and ${referenceId}` };
  const ratio = ratioOf(result, reference).median;
  const measured = atLeast >= 1 ? `${ratio.toFixed(2)}×` : `${(ratio * 100).toFixed(0)} %`;
  return { name, goal, measured, status: ratio >= atLeast ? "PASS" : "MISS", margin: `${((ratio / atLeast - 1) * 100).toFixed(0)} % vs goal`, ...(note ? { note } : {}) };
}

function p99Target(lookup: Lookup, name: string, id: string, atMostMs: number): TargetResult {
  const result = lookup(id);
  const goal = `p99 ≤ ${atMostMs} ms`;
  if (!usable(result) || result.p99Ms === undefined) return { name, goal, measured: "-", status: "SKIP", note: `needs ${id}` };
  return {
    name,
    goal,
    measured: `${result.p99Ms.toFixed(1)} ms (worst round ${result.worstP99Ms?.toFixed(1) ?? "-"} ms)`,
    status: result.p99Ms <= atMostMs ? "PASS" : "MISS",
    margin: `${((result.p99Ms / atMostMs - 1) * 100).toFixed(0)} % vs goal`,
  };
}

function rateTarget(lookup: Lookup, name: string, id: string, atLeast: number, unit: string, note: string): TargetResult {
  const result = lookup(id);
  const goal = `≥ ${atLeast.toLocaleString("en-US")} ${unit}`;
  if (!usable(result)) return { name, goal, measured: "-", status: "SKIP", note: `needs ${id}` };
  return {
    name,
    goal,
    measured: `${Math.round(result.median).toLocaleString("en-US")} ${unit}`,
    status: result.median >= atLeast ? "PASS" : "MISS",
    margin: `${((result.median / atLeast - 1) * 100).toFixed(0)} % vs goal`,
    note,
  };
}

/** The targets of the benchmark issue, each against a reference measured in the same run. */
export function evaluateTargets(results: readonly BenchResult[]): TargetResult[] {
  const byId = new Map(results.map((result) => [result.id, result]));
  const lookup: Lookup = (id) => byId.get(id);
  const store = storeIds("better-sqlite3");
  const raw = rawIds("better-sqlite3");
  const lean = "lean raw-HTTP/2 client, not yet the SDK";
  const server = serverIds("better-sqlite3");
  return [
    ratioTarget(lookup, "store 100-event appends vs raw insert limit", store.batch, raw.batch, 0.5),
    ratioTarget(lookup, "store 100-event appends vs Emmett", store.batch, emmettIds.batch, 3),
    ratioTarget(lookup, "store single-event appends, 64 callers, vs one transaction per row", store.concurrent, raw.txPerRow, 5),
    p99Target(lookup, "store append latency, 64 callers", store.concurrent, 20),
    ratioTarget(lookup, "server single-event appends, 64 in flight, vs Connect echo", server.single, transportIds.connect, 0.8, lean),
    ratioTarget(lookup, "server single-event appends vs Connect echo (aim, once the per-call path is lifted)", server.single, transportIds.connect, 2, lean),
    rateTarget(lookup, "server 100-event appends", server.batch, 100_000, "events/s", lean),
    p99Target(lookup, "server append latency, 64 in flight", server.single, 20),
  ];
}
