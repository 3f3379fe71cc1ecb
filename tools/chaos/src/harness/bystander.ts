import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AppendRequestSchema, AppendResponseSchema, GetStreamRequestSchema, GetStreamResponseSchema } from "@annals/protocol";

/** Latencies of a well-behaved client, ms. */
export interface LatencyFigures {
  calls: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
}

export function figures(latencies: readonly number[], failures = 0): LatencyFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] ?? Number.NaN;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { calls: sorted.length, failures, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] ?? Number.NaN) };
}

export function formatFigures(label: string, result: LatencyFigures): string {
  return `${label}: ${result.calls} calls, ${result.failures} failed, p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms`;
}

/**
 * A bystander: a plain grpc-js client with its own connection, opened before any
 * attack starts, making one small call at a time (a `GetStream`, which reads the
 * database) with a short pause between calls.
 */
export interface Bystander {
  /** Calls back to back (pause `pauseMs`) for `durationMs`; the latency of each, and failures. */
  measure(durationMs: number, pauseMs?: number): Promise<LatencyFigures>;
  close(): void;
}

const getStream = "/annals.eventstore.v1.EventStore/GetStream";
const append = "/annals.eventstore.v1.EventStore/Append";

export async function connectBystander(port: number): Promise<Bystander> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (deadlineMs: number) =>
    new Promise<void>((resolve, reject) => {
      client.makeUnaryRequest(
        getStream,
        (message: Uint8Array) => Buffer.from(message),
        (bytes: Buffer) => fromBinary(GetStreamResponseSchema, bytes),
        toBinary(GetStreamRequestSchema, create(GetStreamRequestSchema, { stream: "bystander" })),
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error) => (error ? reject(error) : resolve()),
      );
    });
  // The stream it asks about exists, and the connection is up before the attack.
  await new Promise<void>((resolve, reject) => {
    client.makeUnaryRequest(
      append,
      (message: Uint8Array) => Buffer.from(message),
      (bytes: Buffer) => fromBinary(AppendResponseSchema, bytes),
      toBinary(AppendRequestSchema, create(AppendRequestSchema, { stream: "bystander", events: [{ type: "chaos.Bystander", data: new Uint8Array([1]) }] })),
      (error) => (error ? reject(error) : resolve()),
    );
  });
  for (let warm = 0; warm < 20; warm++) await call(5_000);
  return {
    async measure(durationMs, pauseMs = 5) {
      const latencies: number[] = [];
      let failures = 0;
      const end = performance.now() + durationMs;
      while (performance.now() < end) {
        const started = performance.now();
        try {
          await call(10_000);
          latencies.push(performance.now() - started);
        } catch {
          failures += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
      return figures(latencies, failures);
    },
    close: () => client.close(),
  };
}

/**
 * The p99 a bystander must keep during an attack: `floorMs`, or four times its p99
 * measured just before on the same machine, whichever is higher. CI shares its two
 * cores with other work, so that an absolute bound alone would measure the neighbours.
 */
export function p99Bound(quiet: LatencyFigures, floorMs = 1_000): number {
  return Math.max(floorMs, 4 * quiet.p99);
}
