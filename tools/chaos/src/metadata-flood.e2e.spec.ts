import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FloodPath } from "./attacks/metadata-flood.js";
import { prepareAttack } from "./harness/attack.js";
import { connectBystander, formatFigures, p99Bound, type Bystander } from "./harness/bystander.js";
import { startChaosServer, type ChaosServer } from "./harness/server.js";

/**
 * An append of ~5 MB holding one event with ~400,000 tiny metadata entries: within
 * the message size, far over the 128 entries an event may carry. Decoding it would
 * build 400,000 map entries and block every other call for about a second; the
 * server must refuse it from a scan of the raw bytes (`append-request-budget.ts`),
 * quickly, on the fast path, through the Connect adapter and as Connect JSON, while
 * a bystander keeps its latency.
 */
describe("metadata flood", () => {
  const servers: Record<"fast" | "adapter", ChaosServer | undefined> = { fast: undefined, adapter: undefined };
  const bystanders: Bystander[] = [];
  const appends = 4;

  beforeAll(async () => {
    servers.fast = await startChaosServer();
    servers.adapter = await startChaosServer(["--grpc-fast-path", "false"]);
  });
  afterAll(async () => {
    for (const bystander of bystanders) bystander.close();
    await servers.fast?.stop();
    await servers.adapter?.stop();
  });

  const cases: Array<{ server: "fast" | "adapter"; path: FloodPath; label: string }> = [
    { server: "fast", path: "grpc", label: "binary gRPC, fast path" },
    { server: "adapter", path: "grpc", label: "binary gRPC, Connect adapter (fast path off)" },
    { server: "fast", path: "connect-json", label: "Connect JSON" },
  ];

  for (const { server: which, path, label } of cases) {
    it(`${label}: ${appends} appends of 400,000 metadata entries refused quickly; the bystander keeps its p99`, async () => {
      const server = servers[which]!;
      const bystander = await connectBystander(server.port);
      bystanders.push(bystander);
      const attack = prepareAttack("metadataFlood", { port: server.port, path, appends });
      await attack.ready;
      const quiet = await bystander.measure(1_500);
      const rssBefore = server.rssMiB();
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, server.rssMiB())), 20);
      const [outcomes, during] = await Promise.all([attack.run(), bystander.measure(2_500)]);
      clearInterval(sampler);
      console.log(
        `metadata flood, ${label}: ${outcomes.map((outcome) => `${outcome.code} after ${outcome.answerMs} ms (${outcome.bodyMiB} MiB)`).join(", ")}; ` +
          `server RSS ${rssBefore.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB\n  ${formatFigures("bystander, quiet", quiet)}\n  ${formatFigures("bystander during the flood", during)}`,
      );
      for (const outcome of outcomes) {
        // Too many metadata entries in one event: over a limit (RESOURCE_EXHAUSTED with an InvalidField detail).
        expect(["RESOURCE_EXHAUSTED", "INVALID_ARGUMENT"]).toContain(outcome.code);
        expect(outcome.answerMs).toBeLessThan(2_000);
      }
      expect(during.failures).toBe(0);
      expect(during.p99).toBeLessThan(p99Bound(quiet, 500));
      expect(await server.metric("annals_rpc_in_flight")).toBeLessThanOrEqual(1);
    });
  }
});
