import { describe, expect, it } from "vitest";
import { newEventId } from "./uuid.js";

const version7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The milliseconds a version 7 UUID carries in its first 48 bits. */
const msOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);

describe("newEventId", () => {
  it("makes version 7 UUIDs carrying the time they were made", () => {
    const before = Date.now();
    const id = newEventId();
    const after = Date.now();
    expect(id).toMatch(version7);
    expect(msOf(id)).toBeGreaterThanOrEqual(before);
    expect(msOf(id)).toBeLessThanOrEqual(after);
  });

  it("makes ids that sort in the order they were made, within a millisecond too, and never twice the same", () => {
    const ids = Array.from({ length: 10_000 }, newEventId);
    expect(new Set(ids).size).toBe(ids.length);
    for (let index = 1; index < ids.length; index += 1) expect(ids[index]! > ids[index - 1]!).toBe(true);
    // 10,000 ids take a few milliseconds: several share one.
    expect(new Set(ids.map(msOf)).size).toBeLessThan(ids.length);
  });
});
