import type { BenchConfig } from "../config.js";
import { grpcFrame } from "../grpc-load.js";
import type { Benchmark } from "../harness.js";
import { appendRequestBytes } from "../workloads/append-requests.js";
import { echoPath } from "./echo-service.js";
import { grpcBenchmark } from "./grpc-benchmark.js";

export const transportIds = {
  floor: "transport.h2-echo",
  connect: "transport.connect-echo",
};

export const transportGroup = "Transport and server over gRPC (lean raw-HTTP/2 client, one connection, server in its own process)";

/** The same bytes every call: a one-event AppendRequest (the echo needs no unique ids). */
function sameFrames(count: number): (round: number) => Buffer[] {
  const frame = grpcFrame(appendRequestBytes("echo", 1));
  return () => new Array<Buffer>(count).fill(frame);
}

export function transportBenchmarks(config: Pick<BenchConfig, "floorCalls" | "echoCalls" | "inFlight">): Benchmark[] {
  return [
    grpcBenchmark({
      id: transportIds.floor,
      group: transportGroup,
      title: `bare node:http2 echo of a one-event AppendRequest, ${config.inFlight} in flight (the floor)`,
      unit: "calls/s",
      server: "h2-echo",
      path: "/annals.bench.v1.Echo/Echo",
      frames: sameFrames(config.floorCalls),
      opsPerCall: 1,
      inFlight: config.inFlight,
      minCalls: 2 * config.inFlight,
      timeoutMs: 60_000,
    }),
    grpcBenchmark({
      id: transportIds.connect,
      group: transportGroup,
      title: `Connect echo (connectNodeAdapter on http2.createServer), same message, ${config.inFlight} in flight`,
      unit: "calls/s",
      reference: transportIds.floor,
      server: "connect-echo",
      path: echoPath,
      frames: sameFrames(config.echoCalls),
      opsPerCall: 1,
      inFlight: config.inFlight,
      minCalls: 2 * config.inFlight,
      timeoutMs: 60_000,
    }),
  ];
}
