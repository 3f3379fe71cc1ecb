import { describe, expect, it, vi } from "vitest";
import { commandFingerprint, commandTimedUuid, defaultCommandEventIds, formerCommandEventIds, newCommandId, uuidV5 } from "./command-ids.js";

describe("uuidV5", () => {
  it("matches the reference vector (www.example.com in the DNS namespace)", async () => {
    expect(await uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });
});

describe("command event ids", () => {
  it("are the same for the same stream, command and index, and differ otherwise", async () => {
    const id = await defaultCommandEventIds("cart-1", "cmd-1", 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await defaultCommandEventIds("cart-1", "cmd-1", 0)).toBe(id);
    const others = await Promise.all([defaultCommandEventIds("cart-2", "cmd-1", 0), defaultCommandEventIds("cart-1", "cmd-2", 0), defaultCommandEventIds("cart-1", "cmd-1", 1)]);
    expect(new Set([id, ...others]).size).toBe(4);
    expect(await defaultCommandEventIds("a", "b,c", 0)).not.toBe(await defaultCommandEventIds("a,b", "c", 0));
  });
});

describe("time-ordered command event ids", () => {
  const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("take a version 7 command id's timestamp, keep the name's hash, and sort as the command ids do", async () => {
    const early = "01890a5d-ac96-774b-bcce-b302099a8057";
    const late = "01890a5d-ac97-7c3e-8d15-0f3a4b5c6d7e";
    const id = await commandTimedUuid("name", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", early);
    expect(id).toMatch(v7);
    expect(id.slice(0, 13)).toBe(early.slice(0, 13));
    expect(id.slice(15)).toBe((await uuidV5("name", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).slice(15));
    expect(await commandTimedUuid("name", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", early)).toBe(id);
    expect(await commandTimedUuid("name", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", late) > id).toBe(true);
    expect(await commandTimedUuid("name", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", early.toUpperCase())).toBe(id);
  });

  it("are the former UUIDv5 ids for any other command id", async () => {
    for (const commandId of ["cmd-1", "e31e4feb-b0ad-4ccc-92ba-84641397a0e5", "01890a5d-ac96-874b-bcce-b302099a8057"]) {
      expect(await defaultCommandEventIds("cart-1", commandId, 2)).toBe(await formerCommandEventIds("cart-1", commandId, 2));
    }
  });

  it("differ by stream and index under one command id, and follow newCommandId's order", async () => {
    const commandId = newCommandId();
    const ids = await Promise.all([defaultCommandEventIds("cart-1", commandId, 0), defaultCommandEventIds("cart-1", commandId, 1), defaultCommandEventIds("cart-2", commandId, 0)]);
    for (const id of ids) expect(id).toMatch(v7);
    expect(new Set(ids).size).toBe(3);
    const later = newCommandId();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const next = newCommandId();
    expect(later < next).toBe(true);
    expect((await defaultCommandEventIds("cart-1", next, 0)) > (await defaultCommandEventIds("cart-1", commandId, 15))).toBe(true);
  });
});

describe("the cost of a command's ids", () => {
  it("hashes each name once: a command's ids and its former ids take 16 digests, not 32", async () => {
    const digest = vi.spyOn(globalThis.crypto.subtle, "digest");
    try {
      const commandId = newCommandId();
      const ids = await Promise.all(Array.from({ length: 16 }, (_, index) => defaultCommandEventIds("cart-9", commandId, index)));
      const former = await Promise.all(Array.from({ length: 16 }, (_, index) => formerCommandEventIds("cart-9", commandId, index)));
      expect(digest).toHaveBeenCalledTimes(16);
      expect(new Set([...ids, ...former]).size).toBe(32);
    } finally {
      digest.mockRestore();
    }
  });
});

describe("commandFingerprint", () => {
  it("ignores the order of object keys, sees every value, and takes bigints", async () => {
    const one = await commandFingerprint({ type: "Add", sku: "book", count: 2n, nested: { a: 1, b: [1, 2] } });
    expect(one).toMatch(/^[0-9a-f]{32}$/);
    expect(await commandFingerprint({ nested: { b: [1, 2], a: 1 }, count: 2n, sku: "book", type: "Add" })).toBe(one);
    expect(await commandFingerprint({ type: "Add", sku: "book", count: 3n, nested: { a: 1, b: [1, 2] } })).not.toBe(one);
    expect(await commandFingerprint({ type: "Add", sku: "book", count: 2n, nested: { a: 1, b: [2, 1] } })).not.toBe(one);
  });
});
