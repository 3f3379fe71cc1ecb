import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { AppendRequestSchema, ExpectedRevisionSchema, ProposedEventSchema } from "@annals/protocol";
import { appendRequestTypeName, decodeAppendRequest } from "./append-request-codec.js";
import { keepPrototypeKeys } from "./prototype-keys.js";

// As in the server's process: "__proto__" is an ordinary key, for the reference decoder too.
keepPrototypeKeys();

/** What `fromBinary` makes of `bytes`, or the message it throws. */
function reference(bytes: Uint8Array): { message: unknown } | { error: string } {
  try {
    return { message: fromBinary(AppendRequestSchema, bytes) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The hand decoder, falling back to `fromBinary` as the fast path does; reports whether it decoded itself. */
function decoded(bytes: Uint8Array): { result: { message: unknown } | { error: string }; handled: boolean } {
  const hand = decodeAppendRequest(bytes);
  if (hand !== undefined) return { result: { message: hand }, handled: true };
  return { result: reference(bytes), handled: false };
}

/** Payloads as their type and hex text: deep equality on large byte arrays is slow. */
function comparable(result: { message: unknown } | { error: string }): unknown {
  if (!("message" in result)) return result;
  const message = result.message as { events: Array<{ data: Uint8Array }> };
  const events = message.events.map((event) => ({ ...event, data: { type: event.data.constructor.name, hex: Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength).toString("hex") } }));
  return { message: { ...message, events } };
}

function expectSame(bytes: Uint8Array): boolean {
  const { result, handled } = decoded(bytes);
  expect(comparable(result)).toStrictEqual(comparable(reference(bytes)));
  if (handled && "message" in result) {
    // The same bytes again, through `toBinary`: nothing lost or invented.
    const message = result.message as ReturnType<typeof fromBinary<typeof AppendRequestSchema>>;
    expect(Buffer.compare(toBinary(AppendRequestSchema, message), toBinary(AppendRequestSchema, fromBinary(AppendRequestSchema, bytes)))).toBe(0);
  }
  return handled;
}

function encode(init: MessageInitShape<typeof AppendRequestSchema>): Uint8Array {
  return toBinary(AppendRequestSchema, create(AppendRequestSchema, init));
}

/** A small deterministic generator, so that a failure repeats. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const texts = ["", "a", "cart-1", "7B0E3F59-9F4C-4B7E-8A53-0E1D9A3C2F10", "shop.v1.ItemAdded", "compte-é-😀", "\uFEFFbom", "x".repeat(64), "y".repeat(65), "é".repeat(40), "\u0000\u001f", "__proto__"];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function randomRequest(next: () => number): MessageInitShape<typeof AppendRequestSchema> {
  const events = Array.from({ length: Math.floor(next() * 5) }, () => {
    const metadata: Record<string, string> = {};
    for (let index = Math.floor(next() * 3); index > 0; index -= 1) metadata[pick(next, texts)] = pick(next, texts);
    const size = pick(next, [0, 1, 7, 200, 70_000]);
    return {
      id: pick(next, texts),
      type: pick(next, texts),
      data: Uint8Array.from({ length: size }, (_, index) => (index * 31 + size) & 0xff),
      contentType: pick(next, ["", "application/json", "application/protobuf", "text/plain"]),
      metadata,
    };
  });
  const kinds = [
    undefined,
    { case: "any" as const, value: {} },
    { case: "noStream" as const, value: {} },
    { case: "streamExists" as const, value: {} },
    { case: "exact" as const, value: 0n },
    { case: "exact" as const, value: 127n },
    { case: "exact" as const, value: 128n },
    { case: "exact" as const, value: 2n ** 40n + 3n },
    { case: "exact" as const, value: 2n ** 53n - 1n },
    { case: "exact" as const, value: 2n ** 64n - 1n },
  ];
  const kind = pick(next, kinds);
  return { stream: pick(next, texts), events, ...(kind === undefined ? {} : { expectedRevision: { kind } }) };
}

describe("decodeAppendRequest", () => {
  it("names the message it decodes", () => {
    expect(appendRequestTypeName).toBe(AppendRequestSchema.typeName);
  });

  it.each<[string, MessageInitShape<typeof AppendRequestSchema>]>([
    ["an empty request", {}],
    ["a typical append", { stream: "cart-1", events: [{ id: "7b0e3f59-9f4c-4b7e-8a53-0e1d9a3c2f10", type: "shop.v1.ItemAdded", data: Uint8Array.from([8, 1]) }] }],
    ["an event with every field empty", { stream: "s", events: [{}] }],
    ["metadata and JSON", { stream: "s", events: [{ id: "", type: "t", contentType: "application/json", metadata: { actor: "ada", "corrélation": "c-1 ✓", empty: "", "": "no key" } }] }],
    ["each expected revision", { stream: "s", expectedRevision: { kind: { case: "noStream", value: {} } } }],
    ["an exact revision", { stream: "s", expectedRevision: { kind: { case: "exact", value: 42n } } }],
    ["an exact revision past 2^49", { stream: "s", expectedRevision: { kind: { case: "exact", value: 2n ** 60n } } }],
    ["an empty expected revision", { stream: "s", expectedRevision: {} }],
    ["a large payload", { stream: "s", events: [{ type: "t", data: new Uint8Array(1_000_000).fill(9) }] }],
  ])("reads %s as fromBinary does", (_, init) => {
    expectSame(encode(init));
  });

  it("decodes what clients send itself, and views the input for data as fromBinary does", () => {
    const bytes = Buffer.from(encode({ stream: "s", events: [{ id: "a", type: "t", data: Uint8Array.from([1, 2, 3]), metadata: { k: "v" } }], expectedRevision: { kind: { case: "any", value: {} } } }));
    expect(expectSame(bytes)).toBe(true);
    const message = decodeAppendRequest(bytes)!;
    expect(message.events[0]!.data.buffer).toBe(bytes.buffer);
    expect(Buffer.isBuffer(message.events[0]!.data)).toBe(Buffer.isBuffer(fromBinary(AppendRequestSchema, bytes).events[0]!.data));
  });

  it("matches fromBinary on many random requests", () => {
    const next = random(7);
    let handled = 0;
    for (let round = 0; round < 500; round += 1) if (expectSame(encode(randomRequest(next)))) handled += 1;
    // Exact revisions past 2^49 (a fifth of them) are left to fromBinary.
    expect(handled).toBeGreaterThan(300);
  });

  it("leaves unknown fields, anywhere, to fromBinary", () => {
    const unknownTop = new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(toBinary(ProposedEventSchema, create(ProposedEventSchema, { type: "t" }))).tag(9, WireType.Varint).uint32(5).finish();
    expect(expectSame(unknownTop)).toBe(false);
    const unknownInEvent = new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(new BinaryWriter().tag(2, WireType.LengthDelimited).string("t").tag(15, WireType.Bit64).fixed64(1n).finish()).finish();
    expect(expectSame(unknownInEvent)).toBe(false);
    const unknownInMarker = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(new BinaryWriter().tag(3, WireType.Varint).uint32(1).finish()).finish()).finish();
    expect(expectSame(unknownInMarker)).toBe(false);
    const unknownInExpected = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(new BinaryWriter().tag(7, WireType.LengthDelimited).string("x").finish()).finish();
    expect(expectSame(unknownInExpected)).toBe(false);
    const unknownInEntry = new BinaryWriter()
      .tag(2, WireType.LengthDelimited)
      .bytes(new BinaryWriter().tag(5, WireType.LengthDelimited).bytes(new BinaryWriter().tag(1, WireType.LengthDelimited).string("k").tag(3, WireType.Varint).uint32(1).finish()).finish())
      .finish();
    expectSame(unknownInEntry);
  });

  it("takes the last of repeated scalars and merges repeated events and metadata, as protobuf does", () => {
    const event = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .string("first")
      .tag(1, WireType.LengthDelimited)
      .string("second")
      .tag(5, WireType.LengthDelimited)
      .bytes(new BinaryWriter().tag(1, WireType.LengthDelimited).string("k").tag(2, WireType.LengthDelimited).string("1").finish())
      .tag(5, WireType.LengthDelimited)
      .bytes(new BinaryWriter().tag(2, WireType.LengthDelimited).string("2").tag(1, WireType.LengthDelimited).string("k").finish())
      .tag(5, WireType.LengthDelimited)
      .bytes(new BinaryWriter().tag(2, WireType.LengthDelimited).string("no key").finish())
      .tag(5, WireType.LengthDelimited)
      .bytes(new BinaryWriter().tag(1, WireType.LengthDelimited).string("no value").finish())
      .tag(5, WireType.LengthDelimited)
      .bytes(new Uint8Array(0))
      .tag(3, WireType.LengthDelimited)
      .bytes(Uint8Array.from([1]))
      .tag(3, WireType.LengthDelimited)
      .bytes(new Uint8Array(0))
      .finish();
    const bytes = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .string("a")
      .tag(2, WireType.LengthDelimited)
      .bytes(event)
      .tag(1, WireType.LengthDelimited)
      .string("b")
      .tag(2, WireType.LengthDelimited)
      .bytes(event)
      .finish();
    expect(expectSame(bytes)).toBe(true);
    const expected = (kinds: Array<Uint8Array>) => {
      const writer = new BinaryWriter();
      for (const kind of kinds) writer.tag(3, WireType.LengthDelimited).bytes(kind);
      return writer.finish();
    };
    const any = toBinary(ExpectedRevisionSchema, create(ExpectedRevisionSchema, { kind: { case: "any", value: {} } }));
    const exact = toBinary(ExpectedRevisionSchema, create(ExpectedRevisionSchema, { kind: { case: "exact", value: 5n } }));
    expectSame(expected([any, exact]));
    expectSame(expected([exact, any]));
    const inOne = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(new Uint8Array([...exact, ...any])).finish();
    expect(expectSame(inOne)).toBe(true);
  });

  it("agrees on invalid UTF-8, a BOM, truncated and malformed input", () => {
    const invalidUtf8 = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(Uint8Array.from([0x61, 0xc3, 0x28])).finish();
    expect(expectSame(invalidUtf8)).toBe(false);
    const invalidLong = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(Uint8Array.from([...new Uint8Array(70).fill(0x61), 0xff])).finish();
    expect(expectSame(invalidLong)).toBe(false);
    const bom = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61])).finish();
    expectSame(bom);
    const whole = encode({ stream: "cart-1", events: [{ id: "x", type: "t", data: new Uint8Array(300).fill(3), metadata: { a: "b" } }], expectedRevision: { kind: { case: "exact", value: 300n } } });
    for (let length = 0; length < whole.length; length += 1) expectSame(whole.subarray(0, length));
    const next = random(11);
    for (let round = 0; round < 2_000; round += 1) {
      const bytes = whole.slice();
      for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips -= 1) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      expectSame(bytes);
    }
    for (let round = 0; round < 2_000; round += 1) expectSame(Uint8Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256)));
  });

  it("agrees on a non-canonical varint tag and length", () => {
    expectSame(Uint8Array.from([0x8a, 0x00, 0x81, 0x00, 0x61]));
    expectSame(Uint8Array.from([0x1a, 0x02, 0x20, 0x05, 0x1a, 0x02, 0x20, 0x06]));
  });
});
