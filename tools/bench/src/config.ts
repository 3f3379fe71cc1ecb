/** How big each benchmark is: `--quick` keeps the whole run under a minute on 2 cores. */
export interface BenchConfig {
  quick: boolean;
  warmupRounds: number;
  rounds: number;
  /** A round stops starting new work after this long (the counts below are maxima), ms. */
  roundMs: number;
  warmupMs: number;
  /** Rows per round for the raw multi-row inserts and the store's 100-event appends. */
  batchEvents: number;
  /** Rows per round for one transaction per row. */
  txPerRowRows: number;
  /** Sequential single-event appends per round. */
  sequentialAppends: number;
  /** Concurrent callers, and appends per caller per round. */
  callers: number;
  appendsPerCaller: number;
  /** Events in the stream that the read benchmarks read. */
  streamEvents: number;
  /** Emmett: single-event appends and 100-event appends per round. */
  emmettSingleAppends: number;
  emmettBatchAppends: number;
  /** Whether to write and read Emmett's 100,000-event stream (writing it takes a while). */
  emmettStreamRead: boolean;
  /** Transport: calls per round (bare HTTP/2 floor, Connect echo, server appends). */
  floorCalls: number;
  echoCalls: number;
  serverSingleCalls: number;
  serverBatchCalls: number;
  /** Calls in flight on the one HTTP/2 connection of the load generator. */
  inFlight: number;
  /** Calls in flight for the 100-event appends over gRPC. */
  batchInFlight: number;
}

export const eventsPerBatch = 100;

export function benchConfig(quick: boolean): BenchConfig {
  return quick
    ? {
        quick,
        warmupRounds: 1,
        rounds: 3,
        roundMs: 300,
        warmupMs: 150,
        batchEvents: 20_000,
        txPerRowRows: 400,
        sequentialAppends: 400,
        callers: 64,
        appendsPerCaller: 30,
        streamEvents: 100_000,
        emmettSingleAppends: 300,
        emmettBatchAppends: 100,
        emmettStreamRead: false,
        floorCalls: 10_000,
        echoCalls: 3_000,
        serverSingleCalls: 3_000,
        serverBatchCalls: 150,
        inFlight: 64,
        batchInFlight: 16,
      }
    : {
        quick,
        warmupRounds: 1,
        rounds: 5,
        roundMs: 2_000,
        warmupMs: 1_000,
        batchEvents: 100_000,
        txPerRowRows: 2_000,
        sequentialAppends: 2_000,
        callers: 64,
        appendsPerCaller: 150,
        streamEvents: 100_000,
        emmettSingleAppends: 1_000,
        emmettBatchAppends: 500,
        emmettStreamRead: true,
        floorCalls: 40_000,
        echoCalls: 10_000,
        serverSingleCalls: 10_000,
        serverBatchCalls: 1_000,
        inFlight: 64,
        batchInFlight: 16,
      };
}
