import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SlowMode } from "./attacks/slow-connections.js";
import { prepareAttack } from "./harness/attack.js";
import { connectBystander, formatFigures, p99Bound, type Bystander } from "./harness/bystander.js";
import { chaosFull } from "./harness/scale.js";
import { startChaosServer, type ChaosServer } from "./harness/server.js";

/**
 * Connections that hold a socket without doing anything useful: slowloris (a
 * byte a second, before the protocol is known, in HTTP/1.1 headers, in an
 * HTTP/2 HEADERS frame), idle connections of every kind, and a peer that stops
 * answering PINGs with a subscription open. The server runs with short timeouts
 * (the defaults are 10 s / 120 s / 30 s + 10 s, see the README); each kind must be
 * closed within its timeout plus six seconds (generous: CI shares its cores; quiet runs close them within half a second of the timeout), while a bystander keeps its latency.
 */
describe("slow and idle connections", () => {
  let server: ChaosServer;
  let bystander: Bystander;
  const timeouts = { headers: 1_000, idle: 2_000, keepAliveInterval: 500, keepAliveTimeout: 500 };
  const connections = chaosFull ? 500 : 50;

  beforeAll(async () => {
    server = await startChaosServer([
      "--headers-timeout-ms", String(timeouts.headers),
      "--idle-timeout-ms", String(timeouts.idle),
      "--keepalive-interval-ms", String(timeouts.keepAliveInterval),
      "--keepalive-timeout-ms", String(timeouts.keepAliveTimeout),
      "--max-connections", String(8 * connections),
    ]);
    bystander = await connectBystander(server.port);
  });
  afterAll(async () => {
    bystander?.close();
    await server?.stop();
  });

  const cases: Array<{ mode: SlowMode; what: string; closedWithinMs: number; count: number }> = [
    { mode: "sniff", what: "an HTTP/2 preface, a byte a second (protocol never known)", closedWithinMs: timeouts.headers + 6_000, count: connections },
    { mode: "h1-headers", what: "HTTP/1.1 headers, a byte a second", closedWithinMs: timeouts.headers + 6_000, count: connections },
    { mode: "tcp", what: "a silent TCP connection", closedWithinMs: timeouts.headers + 6_000, count: connections },
    { mode: "h1-idle", what: "an idle HTTP/1.1 keep-alive connection", closedWithinMs: timeouts.idle + 6_000, count: connections },
    { mode: "h2-idle", what: "an idle HTTP/2 connection (PINGs answered)", closedWithinMs: timeouts.idle + 6_000, count: connections },
    { mode: "h2-headers", what: "an HTTP/2 HEADERS frame, a byte a second", closedWithinMs: timeouts.idle + 6_000, count: connections },
    {
      mode: "h2-deaf",
      what: "an HTTP/2 peer with a subscription open that stopped answering PINGs",
      closedWithinMs: timeouts.keepAliveInterval * 2 + timeouts.keepAliveTimeout + 6_000,
      count: chaosFull ? 200 : 25,
    },
  ];

  it(`${cases.length} kinds at once (${cases.map((kind) => kind.count).join(" + ")} connections): each closed within its timeout + 6 s; a bystander keeps its p99 (under 4 × its quiet p99, at least 1 s)`, async () => {
    const durationMs = Math.max(...cases.map((kind) => kind.closedWithinMs)) + 500;
    const prepared = cases.map(({ mode, count }) => prepareAttack("slowConnections", { port: server.port, mode, connections: count, byteIntervalMs: 1_000, durationMs }));
    await Promise.all(prepared.map((attack) => attack.ready));
    const quiet = await bystander.measure(1_000);
    const [results, during] = await Promise.all([Promise.all(prepared.map((attack) => attack.run())), bystander.measure(durationMs)]);
    console.log(formatFigures(`bystander during ${cases.reduce((sum, kind) => sum + kind.count, 0)} slow and idle connections`, during));
    cases.forEach(({ mode, what, closedWithinMs, count }, index) => {
      const result = results[index]!;
      const closed = result.closedAfterMs.filter((value): value is number => value !== null).sort((a, b) => a - b);
      console.log(`${mode} (${what}): ${count} connections, ${closed.length} closed by the server after ${closed[0]}–${closed[closed.length - 1]} ms (bound ${closedWithinMs} ms)`);
      expect(closed.length, mode).toBe(count);
      expect(closed[closed.length - 1], mode).toBeLessThanOrEqual(closedWithinMs);
      if (mode === "h1-headers") expect(result.answers.filter((answer) => answer.startsWith("HTTP/1.1 408")).length).toBe(count);
    });
    expect(during.failures).toBe(0);
    console.log(formatFigures("bystander, quiet", quiet));
    expect(during.p99).toBeLessThan(p99Bound(quiet));
    expect(await server.metric("annals_subscriptions_active")).toBe(0);
  });

  it("the bystander, which answers PINGs and calls all along, was never cut", async () => {
    const after = await bystander.measure(500);
    expect(after.failures).toBe(0);
    expect(await server.metric("annals_connections_closed_total", { reason: "headers-timeout" })).toBeGreaterThanOrEqual(3 * connections);
  });
});
