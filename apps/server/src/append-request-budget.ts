import { LimitExceededError } from "@annals/store";
import type { DecodeLimits } from "./append-request-codec.js";

/**
 * Counts an AppendRequest's events and each event's metadata entries without
 * decoding them (tags and lengths only), and refuses the request at the first one
 * over the limits: what the Connect path runs before the library decodes a body,
 * so that a request within the message size but with hundreds of thousands of
 * entries costs a scan, not a decode. Bytes it cannot read it leaves to the decoder.
 */

class Stop {}
const stop = new Stop();

function varint(bytes: Uint8Array, at: { pos: number }, end: number): number {
  let result = 0;
  let factor = 1;
  for (let index = 0; index < 10; index += 1) {
    if (at.pos >= end) throw stop;
    const byte = bytes[at.pos++]!;
    result += (byte & 0x7f) * factor;
    if (byte < 0x80) return result;
    factor *= 128;
  }
  throw stop;
}

function skip(bytes: Uint8Array, at: { pos: number }, end: number, wireType: number): void {
  if (wireType === 0) varint(bytes, at, end);
  else if (wireType === 1) at.pos += 8;
  else if (wireType === 2) {
    // The length first: `at.pos += varint(...)` would add to the position read before the varint moved it.
    const length = varint(bytes, at, end);
    at.pos += length;
  }
  else if (wireType === 5) at.pos += 4;
  else throw stop;
  if (at.pos > end) throw stop;
}

function checkEvent(bytes: Uint8Array, at: { pos: number }, end: number, index: number, limits: DecodeLimits): void {
  let entries = 0;
  while (at.pos < end) {
    const tag = varint(bytes, at, end);
    if (tag === 0x2a) {
      entries += 1;
      if (entries > limits.maxMetadataEntries) throw new LimitExceededError(`events[${index}].metadata`, `more than ${limits.maxMetadataEntries} metadata entries in one event`);
    }
    skip(bytes, at, end, tag & 7);
  }
}

/** Checks a binary AppendRequest. */
export function checkAppendRequestBinary(bytes: Uint8Array, limits: DecodeLimits): void {
  const at = { pos: 0 };
  let events = 0;
  try {
    while (at.pos < bytes.length) {
      const tag = varint(bytes, at, bytes.length);
      if (tag !== 0x12) {
        skip(bytes, at, bytes.length, tag & 7);
        continue;
      }
      const length = varint(bytes, at, bytes.length);
      const end = at.pos + length;
      if (end > bytes.length) return;
      if (events >= limits.maxEventsPerAppend) throw new LimitExceededError("events", `more than ${limits.maxEventsPerAppend} events exceed the limit per append`);
      checkEvent(bytes, at, end, events, limits);
      events += 1;
      at.pos = end;
    }
  } catch (error) {
    if (error !== stop) throw error;
  }
}

/**
 * Checks a JSON AppendRequest with one pass over its characters, building nothing:
 * the events in the top-level `events` array, the keys of each event's `metadata`
 * object (a key written twice counts twice). A body that is not such JSON is left
 * to the decoder.
 */
export function checkAppendRequestJson(text: string, limits: DecodeLimits): void {
  // The containers open around the current character: "o" an object, "a" an array.
  const stack: string[] = [];
  /** The key that opened each open container, as far as it matters here. */
  const keys: Array<string | undefined> = [];
  let pendingKey: string | undefined;
  let events = 0;
  let entries = 0;
  /** Where the next string is an object's key. */
  let keyNext = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === 0x22) {
      // A string: find its end, honouring escapes; keep it only when it is a key that matters.
      let end = index + 1;
      while (end < text.length && text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      if (keyNext) {
        const depth = stack.length;
        const inMetadata = depth === 4 && keys[3] === "metadata" && keys[1] === "events";
        if (inMetadata) {
          entries += 1;
          if (entries > limits.maxMetadataEntries) throw new LimitExceededError(`events[${events - 1}].metadata`, `more than ${limits.maxMetadataEntries} metadata entries in one event`);
        }
        pendingKey = depth <= 3 && end - index - 1 <= 8 ? text.slice(index + 1, end) : undefined;
        keyNext = false;
      }
      index = end;
    } else if (char === 0x7b || char === 0x5b) {
      // `{` or `[`: an event when it is an element of the top-level `events` array.
      if (char === 0x7b && stack.length === 2 && stack[1] === "a" && keys[1] === "events") {
        events += 1;
        entries = 0;
        if (events > limits.maxEventsPerAppend) throw new LimitExceededError("events", `more than ${limits.maxEventsPerAppend} events exceed the limit per append`);
      }
      stack.push(char === 0x7b ? "o" : "a");
      keys.push(pendingKey);
      pendingKey = undefined;
      keyNext = char === 0x7b;
    } else if (char === 0x7d || char === 0x5d) {
      stack.pop();
      keys.pop();
      pendingKey = undefined;
    } else if (char === 0x2c) {
      // `,`: in an object, a key comes next.
      keyNext = stack[stack.length - 1] === "o";
      pendingKey = undefined;
    }
  }
}

/** Checks an Append request body as it arrives on the Connect path, by content type: gRPC and gRPC-Web enveloped, Connect unary raw, JSON. */
export function checkAppendBody(body: Uint8Array, contentType: string, limits: DecodeLimits): void {
  if (contentType.includes("json")) {
    checkAppendRequestJson(new TextDecoder().decode(body), limits);
    return;
  }
  if (contentType.startsWith("application/grpc")) {
    // One envelope, uncompressed (a compressed one is the decoder's to open).
    if (body.length < 5 || (body[0]! & 1) === 1) return;
    const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
    checkAppendRequestBinary(body.subarray(5, 5 + length), limits);
    return;
  }
  checkAppendRequestBinary(body, limits);
}
