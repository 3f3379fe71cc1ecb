import { describe, expect, it } from "vitest";
import { createKeyedLock } from "./keyed-lock.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("createKeyedLock", () => {
  it("runs work of one key one at a time, in order, and other keys alongside", async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const inside = new Map<string, number>();
    let most = 0;
    let overlapAcrossKeys = false;
    const work = (key: string, name: string) =>
      lock.run(key, async () => {
        inside.set(key, (inside.get(key) ?? 0) + 1);
        most = Math.max(most, inside.get(key)!);
        overlapAcrossKeys ||= [...inside.values()].filter((count) => count > 0).length > 1;
        order.push(name);
        await tick();
        inside.set(key, inside.get(key)! - 1);
        return name;
      });
    const results = await Promise.all([work("a", "a1"), work("a", "a2"), work("b", "b1"), work("a", "a3")]);
    expect(results).toEqual(["a1", "a2", "b1", "a3"]);
    expect(order.filter((name) => name.startsWith("a"))).toEqual(["a1", "a2", "a3"]);
    expect(most).toBe(1);
    expect(overlapAcrossKeys).toBe(true);
  });

  it("goes on after a failure and forgets idle keys", async () => {
    const lock = createKeyedLock();
    await expect(lock.run("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await lock.run("k", async () => 42)).toBe(42);
    await tick();
    expect(lock.size).toBe(0);
  });
});
