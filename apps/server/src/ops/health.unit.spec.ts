import { describe, expect, it } from "vitest";
import { createHealthMonitor, type HealthState } from "./health.js";

describe("health monitor", () => {
  it("is serving while probes answer, and not once one fails", async () => {
    let fail = false;
    const monitor = createHealthMonitor({ probe: async () => (fail ? Promise.reject(new Error("down")) : 1) });
    const changes: HealthState[] = [];
    monitor.onChange((state) => changes.push(state));
    await monitor.probeNow();
    expect(monitor.serving).toBe(true);
    fail = true;
    await monitor.probeNow();
    expect(monitor.serving).toBe(false);
    fail = false;
    await monitor.probeNow();
    expect(monitor.serving).toBe(true);
    expect(changes).toEqual([
      { databaseReachable: false, draining: false, reason: "down" },
      { databaseReachable: true, draining: false, reason: undefined },
    ]);
  });

  it("counts a probe slower than the timeout as a failure, and does not pile up hanging probes", async () => {
    let calls = 0;
    const hanging: Array<() => void> = [];
    const monitor = createHealthMonitor({
      timeoutMs: 20,
      probe: () => {
        calls += 1;
        return new Promise<void>((resolve) => hanging.push(resolve));
      },
    });
    await monitor.probeNow();
    expect(monitor.state).toMatchObject({ databaseReachable: false, reason: "the database probe took longer than 20 ms" });
    await monitor.probeNow();
    await monitor.probeNow();
    expect(calls).toBe(2);
    for (const release of hanging.splice(0)) release();
    await new Promise((resolve) => setImmediate(resolve));
    const next = monitor.probeNow();
    hanging.shift()!();
    await next;
    expect(calls).toBe(3);
    expect(monitor.serving).toBe(true);
  });

  it("probes on its interval until stopped", async () => {
    let calls = 0;
    const monitor = createHealthMonitor({ intervalMs: 10, probe: async () => (calls += 1) });
    monitor.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    monitor.stop();
    const seen = calls;
    expect(seen).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(seen);
  });

  it("stays not serving for good once draining", async () => {
    const monitor = createHealthMonitor({ probe: async () => 1 });
    monitor.drain();
    await monitor.probeNow();
    expect(monitor.state).toMatchObject({ databaseReachable: true, draining: true });
    expect(monitor.serving).toBe(false);
  });
});
