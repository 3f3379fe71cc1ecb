import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AppendRequestSchema, ExpectedRevisionSchema, ProposedEventSchema } from "@annals/protocol";
import { encodeAppendRequest } from "./append-request-encoder.js";

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

// Text of every width in UTF-8, a lone surrogate (written as U+FFFD by both) and nothing.
const alphabet = ["a", "Z", "0", "-", "é", "€", "😀", "\u0000", "\ud800", "$", " "];

function text(next: () => number, max: number): string {
  const length = Math.floor(next() * (max + 1));
  let value = "";
  for (let index = 0; index < length; index += 1) value += alphabet[Math.floor(next() * alphabet.length)];
  return value;
}

function bytes(next: () => number): Uint8Array {
  // Lengths either side of the one-, two- and three-byte varint limits.
  const sizes = [0, 1, 127, 128, 300, 16_383, 16_384, 70_000];
  const data = new Uint8Array(sizes[Math.floor(next() * sizes.length)]!);
  for (let index = 0; index < data.length; index += 97) data[index] = Math.floor(next() * 256);
  return data;
}

function expected(next: () => number): MessageInitShape<typeof AppendRequestSchema>["expectedRevision"] {
  const exacts = [0n, 1n, 127n, 128n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n];
  switch (Math.floor(next() * 6)) {
    case 0:
      return undefined;
    case 1:
      return { kind: { case: "any", value: {} } };
    case 2:
      return { kind: { case: "noStream", value: {} } };
    case 3:
      return { kind: { case: "streamExists", value: {} } };
    case 4:
      return {};
    default:
      return { kind: { case: "exact", value: exacts[Math.floor(next() * exacts.length)]! } };
  }
}

function request(next: () => number): MessageInitShape<typeof AppendRequestSchema> {
  const events = Array.from({ length: Math.floor(next() * 5) }, () => {
    const metadata: Record<string, string> = {};
    const entries = Math.floor(next() * 4);
    // Integer-like keys too: objects list them first, and so must the encoding.
    for (let index = 0; index < entries; index += 1) metadata[next() < 0.2 ? String(Math.floor(next() * 10)) : text(next, 6)] = text(next, 8);
    return { id: text(next, 36), type: text(next, 20), data: bytes(next), contentType: next() < 0.5 ? "" : "application/json", metadata };
  });
  return { stream: text(next, 30), events, expectedRevision: expected(next) };
}

describe("the hand-written AppendRequest encoder", () => {
  it("writes the very bytes toBinary writes, for random requests", () => {
    const next = random(20261202);
    for (let round = 0; round < 2_000; round += 1) {
      const message = create(AppendRequestSchema, request(next));
      const hand = encodeAppendRequest(message);
      expect(hand).toBeDefined();
      expect(Buffer.compare(Buffer.from(hand!), Buffer.from(toBinary(AppendRequestSchema, message))), `round ${round}`).toBe(0);
    }
  });

  it("leaves to toBinary a message carrying unknown fields", () => {
    const withUnknown = <T extends object>(message: T): T => Object.assign(message, { $unknown: [{ no: 99, wireType: 0, data: new Uint8Array([1]) }] });
    expect(encodeAppendRequest(withUnknown(create(AppendRequestSchema, { stream: "s" })))).toBeUndefined();
    const event = withUnknown(create(ProposedEventSchema, { type: "t" }));
    expect(encodeAppendRequest(create(AppendRequestSchema, { stream: "s", events: [event] }))).toBeUndefined();
    const revision = withUnknown(create(ExpectedRevisionSchema, { kind: { case: "exact", value: 3n } }));
    expect(encodeAppendRequest(create(AppendRequestSchema, { stream: "s", expectedRevision: revision }))).toBeUndefined();
  });
});
