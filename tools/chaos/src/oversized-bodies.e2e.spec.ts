import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BodyPath } from "./attacks/oversized-bodies.js";
import { prepareAttack, runAttack } from "./harness/attack.js";
import { connectBystander, formatFigures, p99Bound, type Bystander } from "./harness/bystander.js";
import { chaosFull } from "./harness/scale.js";
import { startChaosServer, type ChaosServer } from "./harness/server.js";

/**
 * Request bodies far over the message limit (16 MiB by default): the first
 * message declares exactly the limit, and the body goes on. On every path the
 * server must answer RESOURCE_EXHAUSTED as soon as the body passes the limit and
 * stop reading it, so memory stays flat.
 */
describe("oversized request bodies", () => {
  const readMaxBytes = 16 * 1024 * 1024;
  const servers: Record<"fast" | "adapter", ChaosServer | undefined> = { fast: undefined, adapter: undefined };
  const bystanders: Bystander[] = [];

  beforeAll(async () => {
    servers.fast = await startChaosServer();
    servers.adapter = await startChaosServer(["--grpc-fast-path", "false"]);
  });
  afterAll(async () => {
    for (const bystander of bystanders) bystander.close();
    await servers.fast?.stop();
    await servers.adapter?.stop();
  });

  const cases: Array<{ server: "fast" | "adapter"; path: BodyPath; full: boolean }> = [
    { server: "fast", path: "grpc-h2", full: true },
    { server: "adapter", path: "grpc-h2", full: chaosFull },
    { server: "fast", path: "grpc-web-h2", full: chaosFull },
    { server: "fast", path: "connect-h2", full: chaosFull },
    { server: "fast", path: "grpc-web-h1", full: chaosFull },
    { server: "fast", path: "connect-h1", full: chaosFull },
  ];

  for (const { server: which, path, full } of cases) {
    // The unary gRPC fast path gets the full 4 × 256 MiB in CI; the other paths 2 × 64 MiB unless ANNALS_CHAOS_FULL=1.
    const bodies = full ? 4 : 2;
    const bodyMiB = full ? 256 : 64;
    it(`${path} (${which === "fast" ? "fast path on" : "fast path off"}): ${bodies} × ${bodyMiB} MiB answered RESOURCE_EXHAUSTED at the limit; memory stays flat`, async () => {
      const server = servers[which]!;
      const rssBefore = server.rssMiB();
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, server.rssMiB())), 20);
      let outcomes;
      try {
        outcomes = await runAttack("oversizedBodies", { port: server.port, path, bodies, bodyMiB, readMaxBytes });
      } finally {
        clearInterval(sampler);
      }
      const sentMiB = outcomes.map((outcome) => outcome.sentMiB);
      console.log(
        `oversized ${path} (fast path ${which === "fast" ? "on" : "off"}): ${bodies} × ${bodyMiB} MiB: codes ${outcomes.map((outcome) => outcome.code).join(", ")}; ` +
          `taken before the answer ${outcomes.map((outcome) => outcome.sentBeforeAnswerMiB).join(", ")} MiB, in all ${sentMiB.join(", ")} MiB, answered after ${outcomes.map((outcome) => outcome.answerMs).join(", ")} ms; ` +
          `connections ${outcomes[outcomes.length - 1]!.connection}; server RSS ${rssBefore.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB`,
      );
      for (const outcome of outcomes) {
        expect(outcome.code).toBe("RESOURCE_EXHAUSTED");
        // The limit, plus what flow-control windows (HTTP/2) or socket buffers (HTTP/1.1, several MiB
        // each way on loopback) let a client send before the refusal arrives.
        expect(outcome.sentBeforeAnswerMiB).toBeLessThan(16 + 32);
        expect(outcome.sentMiB).toBeLessThan(16 + 40);
      }
      // One message of the limit in memory at a time, and the process's own buffers.
      expect(peak - rssBefore).toBeLessThan(160);
    });
  }

  it("a bystander keeps its latency while 256 MiB bodies are refused", async () => {
    const server = servers.fast!;
    const bystander = await connectBystander(server.port);
    bystanders.push(bystander);
    const quiet = await bystander.measure(1_500);
    const attack = prepareAttack("oversizedBodies", { port: server.port, path: "grpc-h2", bodies: 4, bodyMiB: 256, readMaxBytes });
    await attack.ready;
    const [, during] = await Promise.all([attack.run(), bystander.measure(1_500)]);
    console.log(formatFigures("bystander, quiet", quiet));
    console.log(formatFigures("bystander during 4 × 256 MiB bodies", during));
    expect(during.failures).toBe(0);
    expect(during.p99).toBeLessThan(p99Bound(quiet));
  });
});
