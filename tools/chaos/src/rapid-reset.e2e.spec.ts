import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode } from "./h2-frames.js";
import { prepareAttack } from "./harness/attack.js";
import { connectBystander, formatFigures, p99Bound, type Bystander } from "./harness/bystander.js";
import { chaosFull } from "./harness/scale.js";
import { startChaosServer, type ChaosServer } from "./harness/server.js";

/**
 * HTTP/2 rapid reset (CVE-2023-44487): 20,000 stream open + reset pairs on one
 * connection, as fast as the socket takes them, opening unary calls or
 * subscriptions. The server must cut the connection (GOAWAY ENHANCE_YOUR_CALM)
 * early, and a bystander on its own connection must keep its latency.
 */
describe("rapid reset", () => {
  let server: ChaosServer;
  let bystander: Bystander;
  const pairs = 20_000;
  const attackers = chaosFull ? 5 : 1;

  beforeAll(async () => {
    server = await startChaosServer();
    bystander = await connectBystander(server.port);
  });
  afterAll(async () => {
    bystander?.close();
    await server?.stop();
  });

  it("a bystander's latency without an attack, for reference", async () => {
    console.log(formatFigures("bystander, quiet", await bystander.measure(2_000)));
  });

  for (const call of ["GetStream", "Subscribe"] as const) {
    it(`${attackers} × ${pairs.toLocaleString("en-US")} open+reset pairs of ${call}: GOAWAY ENHANCE_YOUR_CALM early, the bystander keeps its p99 (before the fix: 3.2 s with Subscribe), memory bounded`, async () => {
      const rssBefore = server.rssMiB();
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, server.rssMiB())), 20);
      const prepared = Array.from({ length: attackers }, () => prepareAttack("rapidReset", { port: server.port, pairs, call }));
      await Promise.all(prepared.map((attack) => attack.ready));
      const quiet = await bystander.measure(1_000);
      const [results, during] = await Promise.all([Promise.all(prepared.map((attack) => attack.run())), bystander.measure(3_000)]);
      clearInterval(sampler);
      for (const result of results) console.log(`rapid reset ${call}: ${result.sent} pairs written in ${result.elapsedMs} ms; GOAWAY ${JSON.stringify(result.goaway)}; closed after ${result.closedAfterMs} ms`);
      console.log(`${formatFigures(`bystander during ${attackers} × ${pairs} ${call} resets`, during)}; server RSS ${rssBefore.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB (${formatFigures("quiet", quiet)})`);
      for (const result of results) {
        expect(result.goaway?.errorCode).toBe(errorCode.enhanceYourCalm);
        expect(result.closedAfterMs).toBeDefined();
      }
      expect(during.failures).toBe(0);
      expect(during.p99).toBeLessThan(p99Bound(quiet));
      expect(peak - rssBefore).toBeLessThan(64);
      expect(await server.metric("annals_connections_closed_total", { reason: "too-many-resets" })).toBeGreaterThanOrEqual(attackers);
      expect(await server.metric("annals_subscriptions_active")).toBe(0);
    });
  }
});
