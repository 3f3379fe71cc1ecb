import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareAttack } from "./harness/attack.js";
import { connectBystander, formatFigures, p99Bound, type Bystander } from "./harness/bystander.js";
import { chaosFull } from "./harness/scale.js";
import { startChaosServer, type ChaosServer } from "./harness/server.js";

/**
 * More connections than the server's cap: those over it are refused at once with
 * a reason the client can read (HTTP/1.1 503, HTTP/2 GOAWAY REFUSED_STREAM), the
 * ones within it and a bystander connected before are served, and once the flood
 * is gone new clients get in again.
 */
describe("a cap on open connections", () => {
  const cap = chaosFull ? 900 : 150;
  const flood = chaosFull ? 1_100 : 250;
  let server: ChaosServer;
  let bystander: Bystander;

  beforeAll(async () => {
    server = await startChaosServer(["--max-connections", String(cap)]);
    bystander = await connectBystander(server.port);
  });
  afterAll(async () => {
    bystander?.close();
    await server?.stop();
  });

  for (const protocol of ["h1", "h2"] as const) {
    it(`${flood} ${protocol === "h1" ? "HTTP/1.1" : "HTTP/2"} connections against a cap of ${cap}: the excess is refused with a reason, the bystander keeps its p99`, async () => {
      const attack = prepareAttack("connectionFlood", { port: server.port, protocol, connections: flood, holdMs: 5_000 });
      await attack.ready;
      const quiet = await bystander.measure(1_000);
      const [result, during] = await Promise.all([attack.run(), bystander.measure(5_000)]);
      console.log(`cap ${cap}, ${flood} ${protocol} connections: ${JSON.stringify(result.outcomes)}; refusal: ${result.refusal}. ${formatFigures("bystander", during)} (${formatFigures("quiet", quiet)})`);
      const refused = protocol === "h1" ? result.outcomes["refused-503"] : result.outcomes.goaway;
      // The bystander holds one connection; the metrics scrape may hold another. On a machine so
      // loaded that a refused client's first bytes take over 2 s to be read, its refusal is a bare close.
      expect(result.outcomes.served + refused + result.outcomes.closed).toBe(flood);
      expect(result.outcomes.served).toBeGreaterThanOrEqual(cap - 10);
      expect(refused + result.outcomes.closed).toBeGreaterThanOrEqual(flood - cap);
      expect(refused).toBeGreaterThanOrEqual(0.8 * (flood - cap));
      expect(result.refusal).toContain(protocol === "h1" ? "503" : "GOAWAY error code 7");
      if (protocol === "h1") expect(result.refusal).toContain("too many connections");
      expect(during.failures).toBe(0);
      expect(during.p99).toBeLessThan(p99Bound(quiet));
      // The flood is gone: a new client is served.
      const newcomer = await connectBystander(server.port);
      const served = await newcomer.measure(200);
      newcomer.close();
      expect(served.failures).toBe(0);
    });
  }
});
