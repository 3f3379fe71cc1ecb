import type { RecordedEvent } from "@annals/store";

/**
 * A hand-written encoder of `annals.eventstore.v1.RecordedEvent`, for replays:
 * about fifteen times faster than the reflective `toBinary` per event. It writes
 * exactly the bytes `toBinary` writes (fields in number order, proto3 defaults
 * left out, map entries with key and value); `event-codec.unit.spec.ts` proves
 * it against the generated schema.
 */

const tagId = 0x0a; // field 1, length-delimited
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

/** Byte lengths of an event's strings, measured once for its size and its writing. */
interface Lengths {
  id: number;
  type: number;
  contentType: number;
  stream: number;
}

function lengthsOf(event: RecordedEvent): Lengths {
  return { id: utf8Length(event.id), type: utf8Length(event.type), contentType: utf8Length(event.contentType), stream: utf8Length(event.stream) };
}

/** The encoded size of one event's fields (without its own tag and length). */
export function encodedEventSize(event: RecordedEvent, lengths: Lengths = lengthsOf(event)): number {
  let size =
    fieldSize(lengths.id) +
    fieldSize(lengths.type) +
    fieldSize(event.data.byteLength) +
    fieldSize(lengths.contentType) +
    fieldSize(lengths.stream) +
    (event.revision === 0 ? 0 : 1 + varintSize(event.revision)) +
    (event.position === 0 ? 0 : 1 + varintSize(event.position));
  for (const key in event.metadata) {
    const entry = entrySize(key, event.metadata[key]!);
    size += 1 + varintSize(entry) + entry;
  }
  const timestamp = timestampSize(event.recordedAt);
  return size + 1 + varintSize(timestamp) + timestamp + (event.erased === true ? 2 : 0);
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

  event(event: RecordedEvent, size: number, lengths: Lengths): void {
    this.varint(size);
    this.string(tagId, event.id, lengths.id);
    this.string(tagType, event.type, lengths.type);
    if (event.data.byteLength > 0) {
      this.bytes[this.offset++] = tagData;
      this.varint(event.data.byteLength);
      this.bytes.set(event.data, this.offset);
      this.offset += event.data.byteLength;
    }
    this.string(tagContentType, event.contentType, lengths.contentType);
    for (const key in event.metadata) {
      const value = event.metadata[key]!;
      this.bytes[this.offset++] = tagMetadata;
      this.varint(entrySize(key, value));
      this.string(tagKey, key, utf8Length(key), true);
      this.string(tagValue, value, utf8Length(value), true);
    }
    this.string(tagStream, event.stream, lengths.stream);
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
 * Encodes each event as the value of a length-delimited field: its length
 * varint followed by its bytes. The values share one buffer.
 */
export function encodeEvents(events: readonly RecordedEvent[]): Uint8Array[] {
  const sizes = new Array<number>(events.length);
  const lengths = new Array<Lengths>(events.length);
  let total = 0;
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index]!;
    const measured = lengthsOf(event);
    const size = encodedEventSize(event, measured);
    lengths[index] = measured;
    sizes[index] = size;
    total += varintSize(size) + size;
  }
  const writer = new Writer(Buffer.allocUnsafe(total));
  const values = new Array<Uint8Array>(events.length);
  for (let index = 0; index < events.length; index += 1) {
    const start = writer.offset;
    writer.event(events[index]!, sizes[index]!, lengths[index]!);
    values[index] = writer.bytes.subarray(start, writer.offset);
  }
  return values;
}
