import type { RecordedEvent } from "@annals/store";

/**
 * A hand-written encoder of `annals.eventstore.v1.RecordedEvent`, for replays:
 * about fifteen times faster than the reflective `toBinary` per event. It writes
 * exactly the bytes `toBinary` writes (fields in number order, proto3 defaults
 * left out, map entries with key and value); `event-codec.unit.spec.ts` proves
 * it against the generated schema.
 */

const tagEvents = 0x0a; // a message's `events`: field 1, length-delimited
const tagId = 0x0a; // RecordedEvent: field 1, length-delimited
const tagType = 0x12; // 2
const tagData = 0x1a; // 3
const tagContentType = 0x22; // 4
const tagMetadata = 0x2a; // 5
const tagStream = 0x32; // 6
const tagRevision = 0x38; // 7, varint
const tagPosition = 0x40; // 8, varint
const tagRecordedAt = 0x4a; // 9, length-delimited
const tagErased = 0x50; // 10, varint
const tagKey = 0x0a; // map entry: key (1) and value (2)
const tagValue = 0x12;
const tagSeconds = 0x08;
const tagNanos = 0x10;

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size += 1;
  }
  return size;
}

function utf8Length(text: string): number {
  const length = text.length;
  for (let index = 0; index < length; index += 1) {
    if (text.charCodeAt(index) >= 0x80) return Buffer.byteLength(text, "utf8");
  }
  return length;
}

/** Size of a length-delimited field holding `length` bytes, tag included; 0 when empty (a proto3 default). */
function fieldSize(length: number): number {
  return length === 0 ? 0 : 1 + varintSize(length) + length;
}

function entrySize(key: string, value: string): number {
  const keyLength = utf8Length(key);
  const valueLength = utf8Length(value);
  return 2 + varintSize(keyLength) + keyLength + varintSize(valueLength) + valueLength;
}

function timestampSize(ms: number): number {
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  return (seconds === 0 ? 0 : 1 + varintSize(seconds)) + (nanos === 0 ? 0 : 1 + varintSize(nanos));
}

/**
 * Events measured once for their encoding: for each, five numbers in `numbers` (its
 * encoded size without its own tag and length, then the UTF-8 byte lengths of its id,
 * type, content type and stream), which cutting them into messages (`eventFieldSize`)
 * and writing them (`encodeRun`) both read.
 */
export interface MeasuredEvents {
  readonly events: readonly RecordedEvent[];
  readonly numbers: Int32Array;
}

const perEvent = 5;

/** The encoded size of one event's fields (without its own tag and length), its strings' lengths given. */
function sizeOf(event: RecordedEvent, id: number, type: number, contentType: number, stream: number): number {
  let size =
    fieldSize(id) +
    fieldSize(type) +
    fieldSize(event.data.byteLength) +
    fieldSize(contentType) +
    fieldSize(stream) +
    (event.revision === 0 ? 0 : 1 + varintSize(event.revision)) +
    (event.position === 0 ? 0 : 1 + varintSize(event.position));
  for (const key in event.metadata) {
    const entry = entrySize(key, event.metadata[key]!);
    size += 1 + varintSize(entry) + entry;
  }
  const timestamp = timestampSize(event.recordedAt);
  return size + 1 + varintSize(timestamp) + timestamp + (event.erased === true ? 2 : 0);
}

/** Measures `events` for `eventFieldSize` and `encodeRun`: one pass over their strings. */
export function measureEvents(events: readonly RecordedEvent[]): MeasuredEvents {
  const numbers = new Int32Array(events.length * perEvent);
  for (let index = 0, at = 0; index < events.length; index += 1, at += perEvent) {
    const event = events[index]!;
    const id = utf8Length(event.id);
    const type = utf8Length(event.type);
    const contentType = utf8Length(event.contentType);
    const stream = utf8Length(event.stream);
    numbers[at] = sizeOf(event, id, type, contentType, stream);
    numbers[at + 1] = id;
    numbers[at + 2] = type;
    numbers[at + 3] = contentType;
    numbers[at + 4] = stream;
  }
  return { events, numbers };
}

/** What event `index` of `measured` adds to a message as a value of its `events` field: tag, length and fields. */
export function eventFieldSize(measured: MeasuredEvents, index: number): number {
  return fieldSize(measured.numbers[index * perEvent]!);
}

/** A writer over one preallocated buffer. */
class Writer {
  offset = 0;
  constructor(readonly bytes: Buffer) {}

  varint(value: number): void {
    const bytes = this.bytes;
    let offset = this.offset;
    while (value >= 0x80) {
      bytes[offset++] = (value & 0x7f) | 0x80;
      value = value < 0x1_0000_0000 ? value >>> 7 : Math.floor(value / 0x80);
    }
    bytes[offset++] = value;
    this.offset = offset;
  }

  /** A string field of `length` UTF-8 bytes; an empty one is left out unless `always`. */
  string(tag: number, text: string, length = utf8Length(text), always = false): void {
    if (length === 0 && !always) return;
    this.bytes[this.offset++] = tag;
    this.varint(length);
    if (length === text.length) {
      // ASCII: as many bytes as characters.
      const bytes = this.bytes;
      let offset = this.offset;
      for (let index = 0; index < length; index += 1) bytes[offset++] = text.charCodeAt(index);
      this.offset = offset;
    } else {
      this.offset += this.bytes.write(text, this.offset, "utf8");
    }
  }

  /** Event `index` of `measured` as a value of field 1: tag, length, fields. */
  event(measured: MeasuredEvents, index: number): void {
    const event = measured.events[index]!;
    const numbers = measured.numbers;
    const at = index * perEvent;
    this.bytes[this.offset++] = tagEvents;
    this.varint(numbers[at]!);
    this.string(tagId, event.id, numbers[at + 1]!);
    this.string(tagType, event.type, numbers[at + 2]!);
    if (event.data.byteLength > 0) {
      this.bytes[this.offset++] = tagData;
      this.varint(event.data.byteLength);
      this.bytes.set(event.data, this.offset);
      this.offset += event.data.byteLength;
    }
    this.string(tagContentType, event.contentType, numbers[at + 3]!);
    for (const key in event.metadata) {
      const value = event.metadata[key]!;
      this.bytes[this.offset++] = tagMetadata;
      this.varint(entrySize(key, value));
      this.string(tagKey, key, utf8Length(key), true);
      this.string(tagValue, value, utf8Length(value), true);
    }
    this.string(tagStream, event.stream, numbers[at + 4]!);
    if (event.revision !== 0) {
      this.bytes[this.offset++] = tagRevision;
      this.varint(event.revision);
    }
    if (event.position !== 0) {
      this.bytes[this.offset++] = tagPosition;
      this.varint(event.position);
    }
    this.bytes[this.offset++] = tagRecordedAt;
    this.varint(timestampSize(event.recordedAt));
    const seconds = Math.floor(event.recordedAt / 1000);
    const nanos = (event.recordedAt - seconds * 1000) * 1_000_000;
    if (seconds !== 0) {
      this.bytes[this.offset++] = tagSeconds;
      this.varint(seconds);
    }
    if (nanos !== 0) {
      this.bytes[this.offset++] = tagNanos;
      this.varint(nanos);
    }
    if (event.erased === true) {
      this.bytes[this.offset++] = tagErased;
      this.bytes[this.offset++] = 1;
    }
  }
}

/**
 * Events `start` to `end` (excluded) of `measured`, encoded as the `events` field (1)
 * of a message: each one's tag, length and fields, in one buffer.
 */
export function encodeRun(measured: MeasuredEvents, start: number, end: number): Uint8Array {
  let total = 0;
  for (let index = start; index < end; index += 1) total += eventFieldSize(measured, index);
  const writer = new Writer(Buffer.allocUnsafe(total));
  for (let index = start; index < end; index += 1) writer.event(measured, index);
  return writer.bytes;
}
