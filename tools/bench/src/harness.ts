/** What one round of a benchmark did. */
export interface Sample {
  /** Units of work done: events, rows or calls. */
  ops: number;
  seconds: number;
  /** Latency of each operation, ms, when the workload measures it. */
  latenciesMs?: number[];
  /** CPU time the server process spent during the round, seconds, when measured. */
  serverCpuSeconds?: number;
  /** Calls made, when a call carries several operations (CPU time is reported per call). */
  calls?: number;
  /** Operations that failed (a benchmark with failures is reported as such). */
  failures?: number;
}

/**
 * A prepared benchmark: run it round after round, then close it. A round does its
 * planned count of operations but starts no new one after `deadline`
 * (`performance.now()` time), so that a slow machine shortens rounds rather than
 * the run running long.
 */
export interface Runner {
  round(index: number, deadline: number): Promise<Sample>;
  close(): Promise<void>;
}

export interface Benchmark {
  /** Stable key in the JSON results, e.g. `store.better-sqlite3.batch100`. */
  id: string;
  /** Section of the printed table. */
  group: string;
  title: string;
  /** What the rate counts per second: `events/s`, `rows/s`, `calls/s`. */
  unit: string;
  /** The id of the benchmark this one's ratio is taken against. */
  reference?: string;
  /** Creates the database, the server or the data the rounds need (not timed). */
  prepare(): Promise<Runner>;
}

export interface RoundResult {
  rate: number;
  ops: number;
  seconds: number;
  p50Ms?: number;
  p99Ms?: number;
  cpuMsPerCall?: number;
}

export interface BenchResult {
  id: string;
  group: string;
  title: string;
  unit: string;
  reference?: string;
  /** Median, min and max of the per-round rates. */
  median: number;
  min: number;
  max: number;
  /** Median over the rounds of each round's latency percentiles, ms. */
  p50Ms?: number;
  p99Ms?: number;
  /** Worst round's p99, ms. */
  worstP99Ms?: number;
  /** Median over the rounds of the server's CPU time per call, ms. */
  cpuMsPerCall?: number;
  rounds: RoundResult[];
  failures: number;
  /** Benchmarks with the same `set` ran interleaved, round by round. */
  set?: string;
  error?: string;
}

export interface RunOptions {
  warmupRounds: number;
  rounds: number;
  roundMs: number;
  warmupMs: number;
  log?: (line: string) => void;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function summarise(sample: Sample): RoundResult {
  const result: RoundResult = { rate: sample.ops / sample.seconds, ops: sample.ops, seconds: sample.seconds };
  if (sample.latenciesMs && sample.latenciesMs.length > 0) {
    result.p50Ms = percentile(sample.latenciesMs, 50);
    result.p99Ms = percentile(sample.latenciesMs, 99);
  }
  const calls = sample.calls ?? sample.ops;
  if (sample.serverCpuSeconds !== undefined && calls > 0) result.cpuMsPerCall = (sample.serverCpuSeconds * 1000) / calls;
  return result;
}

function medianOf(rounds: readonly RoundResult[], pick: (round: RoundResult) => number | undefined): number | undefined {
  const values = rounds.map(pick).filter((value): value is number => value !== undefined);
  return values.length > 0 ? median(values) : undefined;
}

type Base = Pick<BenchResult, "id" | "group" | "title" | "unit" | "reference">;

function baseOf(benchmark: Benchmark): Base {
  return { id: benchmark.id, group: benchmark.group, title: benchmark.title, unit: benchmark.unit, ...(benchmark.reference ? { reference: benchmark.reference } : {}) };
}

function failed(benchmark: Benchmark, rounds: RoundResult[], failures: number, error: unknown, log?: (line: string) => void): BenchResult {
  log?.(`  ${benchmark.id}: ${(error as Error).stack ?? String(error)}`);
  return { ...baseOf(benchmark), median: Number.NaN, min: Number.NaN, max: Number.NaN, rounds, failures, error: (error as Error).message ?? String(error) };
}

function completed(benchmark: Benchmark, rounds: RoundResult[], failures: number): BenchResult {
  const rates = rounds.map((round) => round.rate);
  const result: BenchResult = { ...baseOf(benchmark), median: median(rates), min: Math.min(...rates), max: Math.max(...rates), rounds, failures };
  const p50 = medianOf(rounds, (round) => round.p50Ms);
  const p99 = medianOf(rounds, (round) => round.p99Ms);
  const cpu = medianOf(rounds, (round) => round.cpuMsPerCall);
  if (p50 !== undefined) result.p50Ms = p50;
  if (p99 !== undefined) {
    result.p99Ms = p99;
    result.worstP99Ms = Math.max(...rounds.map((round) => round.p99Ms ?? 0));
  }
  if (cpu !== undefined) result.cpuMsPerCall = cpu;
  return result;
}

async function measuredRound(runner: Runner, index: number, ms: number): Promise<Sample> {
  const sample = await runner.round(index, performance.now() + ms);
  if (index >= 0 && sample.ops === 0) throw new Error("a round did no work");
  return sample;
}

/** Runs the warm-up rounds, then the measured ones; a failing benchmark yields an error row. */
export async function runBenchmark(benchmark: Benchmark, options: RunOptions): Promise<BenchResult> {
  const [result] = await runInterleaved([benchmark], options);
  return result!;
}

/**
 * Runs several benchmarks round by round, interleaved: round r of each, then
 * round r + 1 of each (in a rotated order), so that a benchmark and its reference
 * are measured seconds apart and see the same machine. On a shared machine whose
 * load drifts, the per-round ratios of such neighbours hold far better than
 * figures taken minutes apart. A failing benchmark yields an error row; the others go on.
 */
export async function runInterleaved(benchmarks: readonly Benchmark[], options: RunOptions): Promise<BenchResult[]> {
  const started = performance.now();
  const runners = new Map<Benchmark, Runner>();
  const rounds = new Map<Benchmark, RoundResult[]>(benchmarks.map((benchmark) => [benchmark, []]));
  const failures = new Map<Benchmark, number>(benchmarks.map((benchmark) => [benchmark, 0]));
  const errors = new Map<Benchmark, BenchResult>();
  const fail = (benchmark: Benchmark, error: unknown) => {
    errors.set(benchmark, failed(benchmark, rounds.get(benchmark)!, failures.get(benchmark)!, error, options.log));
    const runner = runners.get(benchmark);
    runners.delete(benchmark);
    return runner?.close().catch(() => undefined);
  };
  try {
    for (const benchmark of benchmarks) {
      try {
        runners.set(benchmark, await benchmark.prepare());
      } catch (error) {
        await fail(benchmark, error);
      }
    }
    const total = options.warmupRounds + options.rounds;
    for (let step = 0; step < total; step += 1) {
      const warmup = step < options.warmupRounds;
      const index = warmup ? -1 - step : step - options.warmupRounds;
      const live = benchmarks.filter((benchmark) => runners.has(benchmark));
      const order = live.map((_, position) => live[(position + step) % live.length]!);
      for (const benchmark of order) {
        const runner = runners.get(benchmark)!;
        try {
          const sample = await measuredRound(runner, index, warmup ? options.warmupMs : options.roundMs);
          if (!warmup) {
            failures.set(benchmark, failures.get(benchmark)! + (sample.failures ?? 0));
            rounds.get(benchmark)!.push(summarise(sample));
          }
        } catch (error) {
          await fail(benchmark, error);
        }
      }
    }
  } finally {
    for (const [benchmark, runner] of runners) {
      await runner.close().catch((error: unknown) => options.log?.(`  ${benchmark.id}: close failed: ${String(error)}`));
    }
  }
  const set = benchmarks.map((benchmark) => benchmark.id).join(",");
  const results = benchmarks.map((benchmark) => {
    const result = errors.get(benchmark) ?? completed(benchmark, rounds.get(benchmark)!, failures.get(benchmark)!);
    if (benchmarks.length > 1) result.set = set;
    if (!result.error) options.log?.(`  ${benchmark.id}: ${Math.round(result.median).toLocaleString("en-US")} ${benchmark.unit}`);
    return result;
  });
  options.log?.(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return results;
}

/**
 * `result / reference`: the median of the per-round ratios when both ran
 * interleaved (same number of rounds), else the ratio of the medians.
 */
export function ratioOf(result: BenchResult, reference: BenchResult): { median: number; min: number; max: number; paired: boolean } {
  if (result.set !== undefined && result.set === reference.set && result.rounds.length > 0 && result.rounds.length === reference.rounds.length) {
    const ratios = result.rounds.map((round, index) => round.rate / reference.rounds[index]!.rate);
    return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), paired: true };
  }
  const ratio = result.median / reference.median;
  return { median: ratio, min: ratio, max: ratio, paired: false };
}

/** Times `work`, which answers how many operations it did. */
export async function timed(work: () => Promise<number>): Promise<Sample> {
  const start = performance.now();
  const ops = await work();
  return { ops, seconds: (performance.now() - start) / 1000 };
}
