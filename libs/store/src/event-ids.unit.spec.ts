import { describe, expect, it } from "vitest";
import { newEventId } from "./event-ids.js";

const version7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The milliseconds a version 7 UUID carries in its first 48 bits. */
const msOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);

describe("newEventId (the store's ids for events sent without one)", () => {
  it("makes version 7 UUIDs carrying the time they were made", () => {
    const before = Date.now();
    const id = newEventId();
    const after = Date.now();
    expect(id).toMatch(version7);
    expect(msOf(id)).toBeGreaterThanOrEqual(before);
    expect(msOf(id)).toBeLessThanOrEqual(after);
  });

  it("makes ids that sort in the order they were made, within a millisecond too, and never twice the same, across refills of its random pool", () => {
    // 5,000 ids: the pool (1,024 ids' worth) refills four times.
    const ids = Array.from({ length: 5_000 }, newEventId);
    expect(new Set(ids).size).toBe(ids.length);
    for (let index = 1; index < ids.length; index += 1) expect(ids[index]! > ids[index - 1]!).toBe(true);
    expect(new Set(ids.map(msOf)).size).toBeLessThan(ids.length);
    for (const id of ids) expect(id).toMatch(version7);
    // The last 48 bits are random bytes from the pool: fresh ones for every id, refills included.
    const tails = ids.map((id) => id.slice(-12));
    expect(new Set(tails).size).toBe(ids.length);
  });
});
