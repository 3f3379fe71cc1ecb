import type { AppendRequest, ExpectedRevision, ProposedEvent } from "@annals/protocol";

/**
 * A hand-written encoder of `annals.eventstore.v1.AppendRequest`, the message a
 * client sends most bytes of: the same bytes `toBinary` writes (fields in number
 * order, defaults left out, map entries in insertion order), in one buffer sized
 * up front instead of the generic writer's chunks. Answers `undefined` for a
 * message it does not know to the byte (unknown fields kept on it), which the
 * caller then encodes with `toBinary`. `append-request-encoder.unit.spec.ts`
 * proves it against the generated schema.
 */

const lengthDelimited = 2;
const varintType = 0;
const tag = (field: number, wireType: number) => (field << 3) | wireType;

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size += 1;
  }
  return size;
}

function varint64Size(value: bigint): number {
  let size = 1;
  while (value >= 0x80n) {
    value >>= 7n;
    size += 1;
  }
  return size;
}

/** A length-delimited field of `length` bytes: its tag, length and body. */
const fieldSize = (length: number) => 1 + varintSize(length) + length;

interface Sized {
  /** UTF-8 lengths of the event's strings, in the order they are written. */
  texts: number[];
  /** Each metadata entry's body length. */
  entries: number[];
  body: number;
}

function hasUnknown(message: object): boolean {
  const unknown = (message as { $unknown?: unknown[] }).$unknown;
  return unknown !== undefined && unknown.length > 0;
}

function sizeEvent(event: ProposedEvent): Sized | undefined {
  if (hasUnknown(event)) return undefined;
  const texts: number[] = [];
  const entries: number[] = [];
  let body = 0;
  const text = (value: string) => {
    const length = Buffer.byteLength(value, "utf8");
    texts.push(length);
    return length;
  };
  if (event.id !== "") body += fieldSize(text(event.id));
  if (event.type !== "") body += fieldSize(text(event.type));
  if (event.data.byteLength > 0) body += fieldSize(event.data.byteLength);
  if (event.contentType !== "") body += fieldSize(text(event.contentType));
  for (const key of Object.keys(event.metadata)) {
    const value = event.metadata[key]!;
    // A map entry writes its key and value even when empty.
    const entry = fieldSize(text(key)) + fieldSize(text(value));
    entries.push(entry);
    body += fieldSize(entry);
  }
  return { texts, entries, body };
}

function expectedSize(expected: ExpectedRevision): number | undefined {
  if (hasUnknown(expected)) return undefined;
  const kind = expected.kind;
  switch (kind.case) {
    case undefined:
      return 0;
    case "any":
    case "noStream":
    case "streamExists":
      return hasUnknown(kind.value) ? undefined : fieldSize(0);
    case "exact":
      return 1 + varint64Size(kind.value);
    default:
      return undefined;
  }
}

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(value: number): void {
    while (value >= 0x80) {
      this.buf[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.pos++] = value;
  }
  varint64(value: bigint): void {
    while (value >= 0x80n) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }
  text(field: number, value: string, length: number): void {
    this.varint(tag(field, lengthDelimited));
    this.varint(length);
    this.pos += this.buf.write(value, this.pos, length, "utf8");
  }
  bytes(field: number, value: Uint8Array): void {
    this.varint(tag(field, lengthDelimited));
    this.varint(value.byteLength);
    this.buf.set(value, this.pos);
    this.pos += value.byteLength;
  }
  header(field: number, length: number): void {
    this.varint(tag(field, lengthDelimited));
    this.varint(length);
  }
}

/** The message's bytes, exactly as `toBinary(AppendRequestSchema, message)`; `undefined` when it cannot say. */
export function encodeAppendRequest(message: AppendRequest): Uint8Array | undefined {
  if (hasUnknown(message)) return undefined;
  const streamLength = Buffer.byteLength(message.stream, "utf8");
  let size = message.stream === "" ? 0 : fieldSize(streamLength);
  const sized: Sized[] = [];
  for (const event of message.events) {
    const one = sizeEvent(event);
    if (one === undefined) return undefined;
    sized.push(one);
    size += fieldSize(one.body);
  }
  let expected: number | undefined;
  if (message.expectedRevision !== undefined) {
    expected = expectedSize(message.expectedRevision);
    if (expected === undefined) return undefined;
    size += fieldSize(expected);
  }

  const writer = new Writer(Buffer.allocUnsafe(size));
  if (message.stream !== "") writer.text(1, message.stream, streamLength);
  message.events.forEach((event, index) => {
    const { texts, entries, body } = sized[index]!;
    let text = 0;
    writer.header(2, body);
    if (event.id !== "") writer.text(1, event.id, texts[text++]!);
    if (event.type !== "") writer.text(2, event.type, texts[text++]!);
    if (event.data.byteLength > 0) writer.bytes(3, event.data);
    if (event.contentType !== "") writer.text(4, event.contentType, texts[text++]!);
    let entry = 0;
    for (const key of Object.keys(event.metadata)) {
      writer.header(5, entries[entry++]!);
      writer.text(1, key, texts[text++]!);
      writer.text(2, event.metadata[key]!, texts[text++]!);
    }
  });
  if (message.expectedRevision !== undefined) {
    writer.header(3, expected!);
    const kind = message.expectedRevision.kind;
    if (kind.case === "any") writer.header(1, 0);
    else if (kind.case === "noStream") writer.header(2, 0);
    else if (kind.case === "streamExists") writer.header(3, 0);
    else if (kind.case === "exact") {
      writer.varint(tag(4, varintType));
      writer.varint64(kind.value);
    }
  }
  if (writer.pos !== size) return undefined;
  return writer.buf;
}
