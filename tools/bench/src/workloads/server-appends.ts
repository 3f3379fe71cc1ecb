import type { SqliteDriver } from "@annals/store";
import { eventsPerBatch, type BenchConfig } from "../config.js";
import type { Scratch } from "../fixtures.js";
import { grpcFrame } from "../grpc-load.js";
import type { Benchmark } from "../harness.js";
import { grpcBenchmark } from "../references/grpc-benchmark.js";
import { transportGroup, transportIds } from "../references/transport.js";
import { appendRequestBytes } from "./append-requests.js";

export const serverIds = (driver: SqliteDriver) => ({
  single: `server.${driver}.single-64-in-flight`,
  /** The same, with every gRPC call through the Connect adapter (`grpcFastPath: false`). */
  singleFastOff: `server.${driver}.single-64-in-flight.fast-path-off`,
  batch: `server.${driver}.batch100`,
});

export const appendPath = "/annals.eventstore.v1.EventStore/Append";

/** Unique events per call; call i goes to stream `prefix-(i mod streams)`. */
export function appendFrames(prefix: string, calls: number, events: number, streams: number): (round: number) => Buffer[] {
  return (round) => Array.from({ length: calls }, (_, index) => grpcFrame(appendRequestBytes(`${prefix}-${round + 10}-${index % streams}`, events)));
}

/** Appends through the real server (`startServer`, SQLite with `driver`, synchronous FULL). */
export function serverAppendBenchmarks(config: BenchConfig, scratch: Scratch, driver: SqliteDriver): Benchmark[] {
  const ids = serverIds(driver);
  const single = (fastPath: boolean) =>
    grpcBenchmark({
      id: fastPath ? ids.single : ids.singleFastOff,
      group: transportGroup,
      title: `Annals server (${driver}): single-event Append, ${config.inFlight} in flight, ${config.inFlight} streams, fast gRPC path ${fastPath ? "on" : "off"}`,
      unit: "calls/s",
      reference: transportIds.connect,
      server: "annals",
      serverArgs: () => [scratch.file(`server-single-${driver}${fastPath ? "" : "-fast-off"}`), driver, ...(fastPath ? [] : ["fast-off"])],
      path: appendPath,
      frames: appendFrames("single", config.serverSingleCalls, 1, config.inFlight),
      opsPerCall: 1,
      inFlight: config.inFlight,
      minCalls: 2 * config.inFlight,
      timeoutMs: 120_000,
    });
  return [
    // Off and on in one run: only the better-sqlite3 server gets the pair.
    ...(driver === "better-sqlite3" ? [single(false)] : []),
    single(true),
    grpcBenchmark({
      id: ids.batch,
      group: transportGroup,
      title: `Annals server (${driver}): ${eventsPerBatch}-event Append, ${config.batchInFlight} in flight`,
      unit: "events/s",
      server: "annals",
      serverArgs: () => [scratch.file(`server-batch-${driver}`), driver],
      path: appendPath,
      frames: appendFrames("batch", config.serverBatchCalls, eventsPerBatch, config.serverBatchCalls),
      opsPerCall: eventsPerBatch,
      inFlight: config.batchInFlight,
      minCalls: 2 * config.batchInFlight,
      timeoutMs: 120_000,
    }),
  ];
}
