import { create, ScalarType, toBinary, type DescField, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Random } from "./random.js";

/**
 * Random requests drawn from a message's descriptor: every field of every kind
 * (scalars, enums, nested messages, lists, maps, oneofs), mostly plausible values
 * (a small pool of stream names, so that reads meet what appends wrote) and often
 * the edges: boundary and huge numbers, unknown enum values, odd strings.
 * `mutateBinary` and `mutateJson` then break the encoding itself.
 */

/** Streams most requests name: few enough that reads, appends and conflicts meet. */
export const streamPool = Array.from({ length: 16 }, (_, index) => `fuzz-${index % 4}-${index}`);
const checkpointPool = ["fuzz-cp-0", "fuzz-cp-1", "fuzz-cp-2"];
const eventTypes = ["fuzz.Event", "fuzz.v1.Other", "annals.bank.v1.MoneyDeposited"];
const contentTypes = ["application/json", "application/protobuf", "", "text/plain", "application/octet-stream"];

const uint64Edges = [0n, 1n, 2n ** 31n - 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const int32Edges = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)];
const uint32Edges = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];

/** A string, sometimes odd: empty, long, control characters, a lone surrogate, `$`-prefixed, non-ASCII. */
function oddString(random: Random): string {
  switch (random.int(10)) {
    case 0:
      return "";
    case 1:
      return "x".repeat(random.pick([255, 256, 257, 1_000, 70_000]));
    case 2:
      return `a\u0000b\u0007\n`;
    case 3:
      return `lone-\ud800-surrogate`;
    case 4:
      return `$all`;
    case 5:
      return `ünïcødé-🙂-${random.int(100)}`;
    case 6:
      return " ";
    case 7:
      return "__proto__";
    default:
      return `s-${random.int(1_000_000).toString(36)}`;
  }
}

function uuid(random: Random): string {
  const bytes = random.bytes(16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A few fixed ids that requests reuse: idempotent replays, and clashes of one id in two streams. (Fixed, so that each request is drawn from its own seed alone.) */
const sharedIds = Array.from({ length: 32 }, (_, index) => `00000000-0000-4000-8000-${index.toString(16).padStart(12, "0")}`);

/** A value for a string field, by the field's name: names from the pools most of the time. */
function stringFor(field: DescField, random: Random, clean: boolean): string {
  const name = field.name;
  if (!clean && random.chance(0.12)) return oddString(random);
  if (name === "stream" || name === "category" || name === "stream_prefixes") {
    const stream = random.pick(streamPool);
    return name === "stream" ? stream : stream.slice(0, random.int(stream.length + 1));
  }
  if (name === "prefix") return random.chance(0.5) ? "" : random.pick(["fuzz-", "fuzz-cp", "nothing-"]);
  if (name === "name") return random.pick(checkpointPool);
  if (name === "type" || name === "event_type_prefixes") return random.pick(eventTypes);
  if (name === "content_type") return clean ? random.pick(contentTypes.slice(0, 3)) : random.pick(contentTypes);
  if (name === "id" || name === "ids") {
    if (random.chance(0.3)) return "";
    if (random.chance(clean ? 0.05 : 0.15)) return random.pick(sharedIds);
    return clean || random.chance(0.9) ? uuid(random) : `not-a-uuid-${random.int(1000)}`;
  }
  if (name === "page_token") return random.pick(["", "Zm9v", "!!not base64!!", Buffer.from(random.pick(streamPool)).toString("base64url")]);
  return `v-${random.int(1_000)}`;
}

function scalarFor(field: DescField, type: ScalarType, random: Random, clean: boolean): unknown {
  switch (type) {
    case ScalarType.STRING:
      return stringFor(field, random, clean);
    case ScalarType.BYTES:
      return random.bytes(!clean && random.chance(0.05) ? random.int(64 * 1024) : random.int(48));
    case ScalarType.BOOL:
      return random.chance(0.5);
    case ScalarType.UINT64:
    case ScalarType.FIXED64: {
      const roll = random.next();
      if (clean || roll < 0.6) return BigInt(random.int(field.name === "max_count" ? 40 : 400));
      if (roll < 0.9) return random.pick(uint64Edges);
      return random.uint64();
    }
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return random.chance(0.7) ? BigInt(random.int(400)) : BigInt.asIntN(64, random.uint64());
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return random.chance(0.6) ? random.int(2_000) : random.pick(uint32Edges);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return random.chance(0.6) ? random.int(2_000) : random.pick(int32Edges);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return random.pick([0, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY]);
  }
}

function enumFor(field: DescField & { enum: { values: readonly { number: number }[] } }, random: Random, clean: boolean): number {
  if (clean || random.chance(0.8)) return random.pick(field.enum.values).number;
  return random.pick([-1, 3, 99, 2 ** 31 - 1, -(2 ** 31)]);
}

function count(random: Random, name: string, clean: boolean): number {
  if (clean) return name === "events" ? 1 + random.int(3) : random.int(3);
  if (name === "events" && random.chance(0.03)) return 100 + random.int(400);
  if (name === "metadata" && random.chance(0.03)) return 120 + random.int(20);
  return random.int(4);
}

/** A value for one field, in the form `create()` takes. */
function valueFor(field: DescField, random: Random, depth: number, clean: boolean): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return scalarFor(field, field.scalar, random, clean);
    case "enum":
      return enumFor(field, random, clean);
    case "message":
      return randomInit(field.message, random, depth + 1, clean);
    case "list": {
      const items = Array.from({ length: count(random, field.name, clean) }, () => {
        if (field.listKind === "scalar") return scalarFor(field, field.scalar, random, clean);
        if (field.listKind === "enum") return enumFor(field, random, clean);
        return randomInit(field.message, random, depth + 1, clean);
      });
      return items;
    }
    case "map": {
      const entries: Record<string, unknown> = {};
      const size = count(random, field.name, clean);
      for (let index = 0; index < size; index++) {
        const key = field.mapKey === ScalarType.STRING ? (!clean && random.chance(0.15) ? oddString(random) : `k${index}-${random.int(100)}`) : String(random.int(100));
        entries[key] = field.mapKind === "scalar" ? scalarFor(field, field.scalar, random, clean) : field.mapKind === "enum" ? enumFor(field, random, clean) : randomInit(field.message, random, depth + 1, clean);
      }
      return entries;
    }
  }
}

/**
 * A random init object for `create(desc, init)`: each field set with some probability, one case per oneof.
 * `clean` keeps to values the store accepts (pooled names, UUIDs, small numbers, known enum values), so
 * that a good share of appends is stored and the reads after them have something to agree on.
 */
export function randomInit(desc: DescMessage, random: Random, depth = 0, clean = false): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  if (depth > 4) return init;
  for (const field of desc.fields) {
    if (field.oneof !== undefined) continue;
    if (!random.chance(field.name === "stream" || field.name === "events" || field.name === "type" ? 0.95 : 0.6)) continue;
    init[field.localName] = valueFor(field, random, depth, clean);
  }
  for (const oneof of desc.oneofs) {
    if (random.chance(clean && oneof.name === "expected_revision" ? 0.7 : 0.15)) continue;
    const field = random.pick(oneof.fields);
    init[oneof.localName] = { case: field.localName, value: valueFor(field, random, depth, clean) };
  }
  return init;
}

// ---------------------------------------------------------------------------
// Broken encodings.

const wireTypes = [WireType.Varint, WireType.Bit64, WireType.LengthDelimited, WireType.StartGroup, WireType.EndGroup, WireType.Bit32, 6, 7];

/** Bytes that are not UTF-8: a lone continuation byte, an overlong encoding, a surrogate, a truncated sequence. */
function invalidUtf8(random: Random): Uint8Array {
  return random.pick([Uint8Array.of(0x80), Uint8Array.of(0xc0, 0xaf), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0x66, 0xe2, 0x82), Uint8Array.of(0xff, 0xfe, 0x61)]);
}

/** One field as raw bytes, worse than anything `toBinary` writes: the later occurrence of a scalar wins. */
function rawField(desc: DescMessage, random: Random, depth: number): Uint8Array {
  const writer = new BinaryWriter();
  const field = desc.fields.length > 0 && random.chance(0.8) ? random.pick(desc.fields) : undefined;
  const number = field?.number ?? random.pick([15, 99, 536_870_911, 19_000]);
  const roll = random.int(8);
  if (roll === 0 || field === undefined) {
    // An unknown field, or a known one with the wrong wire type.
    const wireType = random.pick(wireTypes);
    writer.uint32(number * 8 + wireType);
    if (wireType === WireType.Varint) writer.uint64(random.uint64());
    else if (wireType === WireType.Bit64) writer.fixed64(random.uint64());
    else if (wireType === WireType.Bit32) writer.fixed32(random.int(2 ** 32));
    else if (wireType === WireType.LengthDelimited) writer.bytes(random.bytes(random.int(20)));
    return writer.finish();
  }
  writer.uint32(number * 8 + WireType.LengthDelimited);
  if (roll === 1) writer.bytes(invalidUtf8(random));
  else if (roll === 2) {
    // A varint of eleven bytes (longer than any 64-bit value) or one above 2^64.
    const bytes = random.chance(0.5) ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] : [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    return Buffer.concat([Buffer.from(new BinaryWriter().uint32(number * 8 + WireType.Varint).finish()), Buffer.from(bytes)]);
  } else if (roll === 3) {
    // A length that runs past the end.
    return Buffer.concat([Buffer.from(writer.finish()), Buffer.from([0xf0, 0x01, 0x61])]);
  } else if ((field.fieldKind === "message" || field.fieldKind === "list" || field.fieldKind === "map") && depth < 3) {
    // A nested message (or map entry) with raw junk inside.
    const inner = field.fieldKind === "map" ? undefined : field.fieldKind === "list" && field.listKind !== "message" ? undefined : field.message;
    const parts: Uint8Array[] = [];
    if (inner) {
      parts.push(toBinary(inner, create(inner, randomInit(inner, random, 2))));
      for (let index = random.int(3); index >= 0; index--) parts.push(rawField(inner, random, depth + 1));
    } else {
      // A map entry: key 1, value 2, either of them not UTF-8, or a third field.
      const entry = new BinaryWriter();
      entry.uint32((1 << 3) | WireType.LengthDelimited).bytes(random.chance(0.5) ? invalidUtf8(random) : Buffer.from("key"));
      entry.uint32((2 << 3) | WireType.LengthDelimited).bytes(random.chance(0.5) ? invalidUtf8(random) : Buffer.from("value"));
      if (random.chance(0.3)) entry.uint32((3 << 3) | WireType.Varint).uint32(7);
      parts.push(entry.finish());
    }
    writer.bytes(Buffer.concat(parts.map((part) => Buffer.from(part))));
  } else writer.bytes(random.bytes(random.int(16)));
  return writer.finish();
}

/** Breaks a binary message: junk fields appended, bytes flipped, cut short, garbage after it. */
export function mutateBinary(desc: DescMessage, bytes: Uint8Array, random: Random): Uint8Array {
  let out = Buffer.from(bytes);
  const mutations = 1 + random.int(3);
  for (let index = 0; index < mutations; index++) {
    const roll = random.int(10);
    if (roll < 5) out = Buffer.concat([out, Buffer.from(rawField(desc, random, 0))]);
    else if (roll < 7 && out.length > 0) {
      const at = random.int(out.length);
      out[at] = random.int(256);
    } else if (roll < 8 && out.length > 0) out = out.subarray(0, random.int(out.length));
    else if (roll < 9) out = Buffer.concat([out, Buffer.from(random.bytes(1 + random.int(8)))]);
    else out = Buffer.concat([Buffer.from(random.bytes(1 + random.int(4))), out]);
  }
  return out;
}

/** A JSON value nobody should send in the place of another. */
function oddJson(random: Random): JsonValue {
  return random.pick<JsonValue>([
    null,
    -1,
    "-1",
    "18446744073709551616",
    "1e400",
    "Infinity",
    1.5,
    "NaN",
    true,
    "x",
    [],
    {},
    [1, "2", null],
    "DIRECTION_SIDEWAYS",
    "\ud800",
    { any: {}, exact: "3" },
    "AAA=invalid base64*",
    2 ** 64,
    -(2 ** 63),
  ]);
}

function mutateValue(value: JsonValue, random: Random, depth: number): JsonValue {
  if (value !== null && typeof value === "object" && depth < 4 && random.chance(0.7)) {
    if (Array.isArray(value)) {
      if (value.length === 0 || random.chance(0.3)) return [...value, oddJson(random)];
      const copy = [...value];
      const at = random.int(copy.length);
      copy[at] = mutateValue(copy[at]!, random, depth + 1);
      return copy;
    }
    const copy: Record<string, JsonValue> = { ...value };
    const keys = Object.keys(copy);
    if (keys.length === 0 || random.chance(0.25)) copy[random.pick(["unknownField", "__proto__", "constructor", "events", "stream", "metadata", "data"])] = oddJson(random);
    else {
      const key = random.pick(keys);
      copy[key] = mutateValue(copy[key]!, random, depth + 1);
    }
    return copy;
  }
  return oddJson(random);
}

/** Breaks a JSON body: odd values in random places, unknown keys, or text that is not JSON at all. */
export function mutateJson(value: JsonValue, random: Random): Uint8Array {
  const roll = random.int(10);
  if (roll < 6) return Buffer.from(JSON.stringify(mutateValue(value, random, 0)));
  const text = Buffer.from(JSON.stringify(value));
  if (roll === 6) return text.subarray(0, random.int(text.length));
  if (roll === 7) return Buffer.concat([text, Buffer.from(random.pick(["}", ",", " garbage", "\u0000", "{}"]))]);
  if (roll === 8) return Buffer.concat([Buffer.from('{"stream":"'), Buffer.from(invalidUtf8(random)), Buffer.from('"}')]);
  return Buffer.from(random.pick(['{"stream": "\\ud800"}', '{"events": [{"metadata": {"a": 1}}]}', "[]", "null", '"str"', "{", "", '{"a":'.repeat(200), '{"maxCount": 1e309}']));
}
