import { webcrypto } from "node:crypto";
import { describe, expect, it } from "vitest";
import { randomUuid, uuidFrom } from "./uuid.js";

const version4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("randomUuid", () => {
  it("uses crypto.randomUUID where there is one", () => {
    expect(uuidFrom({ randomUUID: () => "from-random-uuid", getRandomValues: (array) => array })).toBe("from-random-uuid");
    expect(randomUuid()).toMatch(version4);
  });

  it("builds a version 4 UUID from getRandomValues outside secure contexts (no randomUUID)", () => {
    const insecure = { getRandomValues: <T extends Uint8Array>(array: T): T => webcrypto.getRandomValues(array) };
    const ids = Array.from({ length: 1000 }, () => uuidFrom(insecure));
    for (const id of ids) expect(id).toMatch(version4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("lays the random bytes out in order, setting only the version and variant bits", () => {
    const ones = { getRandomValues: <T extends Uint8Array>(array: T): T => array.fill(0xff) };
    expect(uuidFrom(ones)).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
    const zeros = { getRandomValues: <T extends Uint8Array>(array: T): T => array.fill(0) };
    expect(uuidFrom(zeros)).toBe("00000000-0000-4000-8000-000000000000");
  });

  it("says what to do when there is no Web Crypto at all", () => {
    expect(() => uuidFrom(undefined)).toThrow(/pass an id with each event/);
  });
});
