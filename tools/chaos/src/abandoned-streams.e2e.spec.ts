import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient } from "@annals/sdk";
import { prepareAttack } from "./harness/attack.js";
import { connectBystander, formatFigures, p99Bound, type Bystander, type LatencyFigures } from "./harness/bystander.js";
import { chaosFull } from "./harness/scale.js";
import { startChaosServer, type ChaosServer } from "./harness/server.js";
import { waitFor } from "./harness/wait.js";

/**
 * Clients that open subscriptions and server-streaming reads, stop reading (or
 * not) and then vanish: their connections destroyed, no RST_STREAM, no GOAWAY.
 * Every such call must end within seconds: the subscription gauge and the
 * in-flight gauge come back to 0, round after round, and memory does not grow.
 */
describe("abandoned subscriptions and reads", () => {
  let server: ChaosServer;
  let bystander: Bystander;
  let quiet: LatencyFigures;
  const rounds = chaosFull ? 10 : 3;
  const subscribers = chaosFull ? 500 : 100;
  const reads = chaosFull ? 70 : 14;

  beforeAll(async () => {
    server = await startChaosServer();
    // Enough history (100 KiB) that a catch-up or a read fills a stalled client's connection window (64 KiB).
    const writer = createAnnalsClient({ baseUrl: server.url });
    const data = new Uint8Array(1024);
    await writer.appendToStream("history", Array.from({ length: 100 }, () => ({ type: "chaos.History", data })));
    writer.close();
    bystander = await connectBystander(server.port);
    quiet = await bystander.measure(1_000);
  });
  afterAll(async () => {
    bystander?.close();
    await server?.stop();
  });

  const streamsOpen = async () => ({
    subscriptions: await server.metric("annals_subscriptions_active"),
    subscribeCalls: await server.metric("annals_rpc_in_flight", { method: "Subscribe" }),
    readAllCalls: await server.metric("annals_rpc_in_flight", { method: "ReadAll" }),
  });

  for (const reading of ["stalled", "reading"] as const) {
    it(`${rounds} rounds of ${subscribers} subscribers and ${reads} ReadAll calls whose clients ${reading === "stalled" ? "stopped reading" : "were reading"}, then vanished: all end within seconds`, async () => {
      const rss: number[] = [];
      const endedAfterMs: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const prepared = prepareAttack("abandonedStreams", { port: server.port, subscribers, reads, reading, holdMs: 500 });
        await prepared.ready;
        const [attack, during] = await Promise.all([prepared.run(), bystander.measure(500)]);
        expect(attack.streams).toBe(subscribers + reads);
        const destroyed = performance.now();
        const left = await waitFor(streamsOpen, (open) => open.subscriptions === 0 && open.subscribeCalls === 0 && open.readAllCalls === 0, 10_000);
        endedAfterMs.push(Math.round(performance.now() - destroyed));
        expect(left, `round ${round + 1}: calls still open 10 s after their connections were destroyed`).toEqual({ subscriptions: 0, subscribeCalls: 0, readAllCalls: 0 });
        rss.push(server.rssMiB());
        if (round === 0) console.log(formatFigures(`bystander while ${subscribers + reads} streams were opened (${reading})`, during));
        // 114 catch-up reads of the history start at once: a burst of database work (quiet runs: p99 200–270 ms).
        expect(during.failures).toBe(0);
        expect(during.p99).toBeLessThan(p99Bound(quiet, 2_500));
      }
      console.log(`abandoned (${reading}): all calls ended ${endedAfterMs.join(", ")} ms after their connections were destroyed; server RSS after each round ${rss.map((value) => value.toFixed(0)).join(", ")} MiB`);
      // Nothing left behind accumulates: the last round ends about where the first did (the heap grows lazily).
      expect(rss[rss.length - 1]! - rss[0]!).toBeLessThan(96);
      // A client that goes away is no server fault.
      expect(await server.metric("annals_rpc_requests_total", { code: "INTERNAL" })).toBe(0);
    });
  }
});
