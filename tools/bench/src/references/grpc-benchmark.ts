import { connectGrpc, type GrpcConnection } from "../grpc-load.js";
import type { Benchmark, Runner } from "../harness.js";
import { startServerProcess, type ServerKind, type ServerProcess } from "../server-process.js";

export interface GrpcBenchmarkSpec {
  id: string;
  group: string;
  title: string;
  unit: "calls/s" | "events/s";
  reference?: string;
  server: ServerKind;
  /** Extra arguments for the server process (the database file). */
  serverArgs?: () => string[];
  path: string;
  /** The framed requests of one round (built before the round is timed). */
  frames: (round: number) => Buffer[];
  /** Operations per call: 1 for `calls/s`, events per append for `events/s`. */
  opsPerCall: number;
  inFlight: number;
  /** Calls a round makes even past its deadline, so that it is more than one wave of `inFlight`. */
  minCalls: number;
  timeoutMs: number;
}

/** A gRPC load round against a server in its own process, with the server's CPU time. */
export function grpcBenchmark(spec: GrpcBenchmarkSpec): Benchmark {
  return {
    id: spec.id,
    group: spec.group,
    title: spec.title,
    unit: spec.unit,
    ...(spec.reference ? { reference: spec.reference } : {}),
    async prepare(): Promise<Runner> {
      const server: ServerProcess = await startServerProcess(spec.server, spec.serverArgs?.() ?? []);
      let connection: GrpcConnection | undefined;
      try {
        connection = await connectGrpc(server.port);
      } catch (error) {
        await server.stop();
        throw error;
      }
      const grpc = connection;
      // Each round's requests are encoded before it starts (during the round before).
      let frames = spec.frames(-1);
      return {
        async round(index, deadline) {
          const cpuBefore = await server.cpuSeconds();
          const result = await grpc.drive(spec.path, frames, spec.inFlight, deadline, spec.timeoutMs, spec.minCalls);
          const cpuAfter = await server.cpuSeconds();
          if (result.failures > 0 && result.failures === result.calls) {
            throw new Error(`every call failed: ${result.firstFailure ?? "unknown"}`);
          }
          const succeeded = result.calls - result.failures;
          frames = spec.frames(index + 1);
          return {
            ops: succeeded * spec.opsPerCall,
            calls: result.calls,
            seconds: result.seconds,
            latenciesMs: result.latenciesMs,
            serverCpuSeconds: cpuAfter - cpuBefore,
            failures: result.failures,
          };
        },
        async close() {
          await grpc.close();
          await server.stop();
        },
      };
    },
  };
}
