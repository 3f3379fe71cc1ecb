import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventStore } from "@annals/protocol";
import { checkConsistency } from "./fuzz/consistency.js";
import { fuzzSeed } from "./fuzz/random.js";
import { runFuzz, type FuzzResult } from "./fuzz/run.js";
import { transportNames } from "./fuzz/wire.js";
import { startChaosServer, type ChaosServer } from "./harness/server.js";

/**
 * A wire fuzzer over every RPC of annals.eventstore.v1.EventStore (read from the
 * service descriptor, so a new RPC is fuzzed without a word here) and every
 * transport: gRPC over HTTP/2, gRPC-Web and Connect (protobuf and JSON) over HTTP/2
 * and HTTP/1.1, against a server with the unary gRPC fast path and one without it.
 * No answer may be INTERNAL or UNKNOWN, an HTTP 5xx without a status, a hang or a
 * crash; afterwards GetStream, ReadStream and ReadAll must agree.
 *
 * ANNALS_FUZZ_SEED reproduces a run; ANNALS_FUZZ_REQUESTS sets its size (default 10,000, split between the two servers).
 */
const seed = fuzzSeed();
const total = Number(process.env["ANNALS_FUZZ_REQUESTS"] ?? 10_000);

describe(`wire fuzzer (seed ${seed}, ANNALS_FUZZ_SEED=${seed} reproduces it)`, () => {
  const servers: Record<"fast" | "adapter", ChaosServer | undefined> = { fast: undefined, adapter: undefined };

  beforeAll(async () => {
    console.log(`wire fuzzer: seed ${seed} (ANNALS_FUZZ_SEED=${seed}), ${total} requests`);
    servers.fast = await startChaosServer();
    servers.adapter = await startChaosServer(["--grpc-fast-path", "false"]);
  });
  afterAll(async () => {
    await servers.fast?.stop();
    await servers.adapter?.stop();
  });

  it("draws requests for every RPC of the service and every transport", () => {
    expect(EventStore.methods.length).toBeGreaterThanOrEqual(11);
    expect(transportNames).toHaveLength(7);
  });

  for (const [which, share, seedOffset] of [["fast", 0.5, 0], ["adapter", 0.5, 1]] as const) {
    it(`${Math.round(total * share)} requests, server with the fast path ${which === "fast" ? "on" : "off"}: no INTERNAL, UNKNOWN, 5xx without a status, hang or crash; the store's views agree`, { timeout: Math.max(120_000, total * 30) }, async () => {
      const server = servers[which]!;
      const result: FuzzResult = await runFuzz({ port: server.port, service: EventStore, seed: (seed + seedOffset) >>> 0, requests: Math.round(total * share), stopped: () => server.process.child.exitCode !== null });
      const crashed = server.process.child.exitCode;
      console.log(
        `wire fuzz, fast path ${which === "fast" ? "on" : "off"} (seed ${(seed + seedOffset) >>> 0}): ${result.requests} requests in ${result.elapsedMs} ms\n` +
          `  per transport ${JSON.stringify(result.byTransport)}\n  per method ${JSON.stringify(result.byMethod)}\n  codes ${JSON.stringify(result.codes)}\n` +
          `  latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; server RSS peak ${server.peakRssMiB().toFixed(0)} MiB; acknowledged appends ${result.acknowledged.length}`,
      );
      for (const finding of result.findings.slice(0, 10)) console.log(`  finding: ${JSON.stringify(finding)}`);
      for (const oddity of result.oddities) console.log(`  HTTP 200 without a status: ${JSON.stringify(oddity)}`);
      expect(crashed, "the server process exited").toBeNull();
      expect(result.findings.map((finding) => `#${finding.index} ${finding.transport} ${finding.method}: ${finding.code} ${finding.detail ?? ""} [${finding.mutations.join("; ")}]`)).toEqual([]);
      const report = await checkConsistency(server.url, result.acknowledged.filter((ack) => ack.events > 0));
      console.log(`  consistency: ${report.streams} streams, ${report.events} events in ReadAll, ${report.problems.length} problems`);
      expect(report.problems).toEqual([]);
      // Every transport and method was exercised.
      expect(Object.keys(result.byTransport).sort()).toEqual([...transportNames].sort());
      expect(Object.keys(result.byMethod).sort()).toEqual(EventStore.methods.map((method) => method.name).sort());
    });
  }
});
