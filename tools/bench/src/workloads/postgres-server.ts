import { eventsPerBatch } from "../config.js";
import type { Benchmark, Runner } from "../harness.js";
import { grpcBenchmark, type GrpcBenchmarkSpec } from "../references/grpc-benchmark.js";
import { transportBenchmarks, transportIds } from "../references/transport.js";
import type { PostgresBenchConfig, PostgresScratch } from "./postgres-fixtures.js";
import { appendFrames, appendPath } from "./server-appends.js";

export const postgresServerIds = {
  single: "server.postgres.single-64-in-flight",
  batch: "server.postgres.batch100",
};

const group = "Over gRPC, same run (lean raw-HTTP/2 client, one connection, server in its own process; Annals server on PostgreSQL, throwaway schema)";

/** The Annals server (`startServer`) on a fresh schema, given as `postgres://…?schema=name`. */
function serverOnSchema(scratch: PostgresScratch, spec: Omit<GrpcBenchmarkSpec, "group" | "server" | "serverArgs">): Benchmark {
  return {
    id: spec.id,
    group,
    title: spec.title,
    unit: spec.unit,
    ...(spec.reference ? { reference: spec.reference } : {}),
    async prepare(): Promise<Runner> {
      const schema = await scratch.schema();
      const database = scratch.schemaUrl(schema);
      return grpcBenchmark({ ...spec, group, server: "annals", serverArgs: () => [database] }).prepare();
    },
  };
}

/** The bare HTTP/2 and Connect echoes, then the Annals server on PostgreSQL, all over the same gRPC load generator. */
export function postgresServerBenchmarks(config: PostgresBenchConfig, scratch: PostgresScratch): Benchmark[] {
  const echoes = transportBenchmarks(config).map((benchmark) => ({ ...benchmark, group }));
  return [
    ...echoes,
    serverOnSchema(scratch, {
      id: postgresServerIds.single,
      title: `Annals server (PostgreSQL): single-event Append, ${config.inFlight} in flight, ${config.inFlight} streams`,
      unit: "calls/s",
      reference: transportIds.connect,
      path: appendPath,
      frames: appendFrames("single", config.serverSingleCalls, 1, config.inFlight),
      opsPerCall: 1,
      inFlight: config.inFlight,
      minCalls: 2 * config.inFlight,
      timeoutMs: 120_000,
    }),
    serverOnSchema(scratch, {
      id: postgresServerIds.batch,
      title: `Annals server (PostgreSQL): ${eventsPerBatch}-event Append (×${eventsPerBatch} for events/s), ${config.batchInFlight} in flight, a new stream per call`,
      unit: "calls/s",
      reference: transportIds.connect,
      path: appendPath,
      frames: appendFrames("batch", config.serverBatchCalls, eventsPerBatch, config.serverBatchCalls),
      opsPerCall: 1,
      inFlight: config.batchInFlight,
      minCalls: 2 * config.batchInFlight,
      timeoutMs: 120_000,
    }),
  ];
}
