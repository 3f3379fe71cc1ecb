import { describe, expect, it } from "vitest";
import { commandFingerprint, defaultCommandEventIds, uuidV5 } from "./command-ids.js";

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

describe("commandFingerprint", () => {
  it("ignores the order of object keys, sees every value, and takes bigints", async () => {
    const one = await commandFingerprint({ type: "Add", sku: "book", count: 2n, nested: { a: 1, b: [1, 2] } });
    expect(one).toMatch(/^[0-9a-f]{32}$/);
    expect(await commandFingerprint({ nested: { b: [1, 2], a: 1 }, count: 2n, sku: "book", type: "Add" })).toBe(one);
    expect(await commandFingerprint({ type: "Add", sku: "book", count: 3n, nested: { a: 1, b: [1, 2] } })).not.toBe(one);
    expect(await commandFingerprint({ type: "Add", sku: "book", count: 2n, nested: { a: 1, b: [2, 1] } })).not.toBe(one);
  });
});
