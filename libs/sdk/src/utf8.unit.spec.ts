import { describe, expect, it } from "vitest";
import { utf8Slices } from "./utf8.js";

describe("utf8Slices", () => {
  it("gives the same strings with Node's Buffer and with TextDecoder (the browser path)", () => {
    const texts = ["", "account-1", "annals.bank.v1.MoneyDeposited", "ünïcødé €", "日本語のストリーム", "🙂 emoji", "\uFEFFwith a BOM"];
    const encoded = texts.map((text) => new TextEncoder().encode(text));
    // Invalid UTF-8 (a lone continuation byte, a truncated sequence) becomes U+FFFD either way.
    encoded.push(new Uint8Array([0x61, 0x80, 0x62]), new Uint8Array([0xe6, 0x97]));
    const all = new Uint8Array(encoded.reduce((sum, part) => sum + part.length, 3));
    const ranges: Array<[number, number]> = [];
    let offset = 3; // not at the start of its buffer
    for (const part of encoded) {
      all.set(part, offset);
      ranges.push([offset, offset + part.length]);
      offset += part.length;
    }
    const view = all.subarray(0);
    const node = utf8Slices(view);
    const browser = utf8Slices(view, undefined);
    for (const [start, end] of ranges) expect(browser(start, end)).toBe(node(start, end));
    expect(ranges.slice(0, texts.length).map(([start, end]) => browser(start, end))).toEqual(texts);
    expect(browser(...ranges[texts.length]!)).toBe("a\uFFFDb");
  });
});
