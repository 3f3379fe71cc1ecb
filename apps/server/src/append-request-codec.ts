import type { AppendRequest, ExpectedRevision, ProposedEvent } from "@annals/protocol";
import { LimitExceededError, setOwn } from "@annals/store";

/**
 * A hand-written decoder of `annals.eventstore.v1.AppendRequest`, for the fast
 * gRPC path. It reads the messages clients send (the known fields, in any order,
 * repeated scalars taking the last value as protobuf does) into the very objects
 * `fromBinary` builds, and gives up, answering `undefined`, on anything else:
 * unknown fields, unexpected wire types, a repeated `expected_revision`, invalid
 * UTF-8, truncated input. The caller then decodes with `fromBinary`, which
 * accepts or rejects the message exactly as before. `append-request-codec.unit.spec.ts`
 * proves it against the generated schema.
 */

export const appendRequestTypeName = "annals.eventstore.v1.AppendRequest";
const proposedEventTypeName = "annals.eventstore.v1.ProposedEvent";
const expectedRevisionTypeName = "annals.eventstore.v1.ExpectedRevision";
const anyTypeName = "annals.eventstore.v1.ExpectedRevision.Any";
const noStreamTypeName = "annals.eventstore.v1.ExpectedRevision.NoStream";
const streamExistsTypeName = "annals.eventstore.v1.ExpectedRevision.StreamExists";

/** The same strict decoder `fromBinary` uses for proto3 strings (a leading BOM is dropped). */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** What the decoder stops at (the store's limits): past them the request is refused before the rest is decoded. */
export interface DecodeLimits {
  maxEventsPerAppend: number;
  maxMetadataEntries: number;
}

/** Thrown inside the decoder to give up; never leaves it. */
class GiveUp {}
const giveUp = new GiveUp();

class Reader {
  pos = 0;
  /** The same bytes as a `Buffer`, for reading text. */
  private readonly text: Buffer;
  constructor(readonly buf: Uint8Array) {
    this.text = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A varint of at most 32 bits, as `BinaryReader.uint32` reads lengths and tags; gives up on more. */
  uint32(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    for (let index = 0; index < 5; index += 1) {
      if (this.pos >= buf.length) throw giveUp;
      const byte = buf[this.pos++]!;
      if (index === 4 && byte > 0x0f) throw giveUp;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
    throw giveUp;
  }

  /** A uint64 varint of at most 7 bytes (up to 2^49 - 1), as a bigint; gives up on longer ones. */
  uint64(): bigint {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    for (let index = 0; index < 7; index += 1) {
      if (this.pos >= buf.length) throw giveUp;
      const byte = buf[this.pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return BigInt(result);
      shift += 7;
    }
    throw giveUp;
  }

  /** The end of a length-delimited field that starts here. */
  end(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.buf.length) throw giveUp;
    return end;
  }

  bytes(): Uint8Array {
    const end = this.end();
    const start = this.pos;
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  string(): string {
    const end = this.end();
    const start = this.pos;
    const buf = this.buf;
    this.pos = end;
    let index = start;
    while (index < end && buf[index]! < 0x80) index += 1;
    // ASCII (ids, types, stream names): the bytes are the code units.
    if (index === end) return this.text.toString("latin1", start, end);
    try {
      return utf8.decode(buf.subarray(start, end));
    } catch {
      throw giveUp;
    }
  }
}

function readMetadataEntry(reader: Reader, metadata: Record<string, string>): void {
  // Entries are counted as they come on the wire (a key sent twice counts twice): cheap, and never lenient.
  const end = reader.end();
  let key = "";
  let value = "";
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 0x0a) key = reader.string();
    else if (tag === 0x12) value = reader.string();
    else throw giveUp;
  }
  if (reader.pos !== end) throw giveUp;
  setOwn(metadata, key, value);
}

function readProposedEvent(reader: Reader, index: number, limits: DecodeLimits | undefined): ProposedEvent {
  const end = reader.end();
  let entries = 0;
  let id = "";
  let type = "";
  let data: Uint8Array | undefined;
  let contentType = "";
  const metadata: Record<string, string> = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 0x0a:
        id = reader.string();
        break;
      case 0x12:
        type = reader.string();
        break;
      case 0x1a:
        data = reader.bytes();
        break;
      case 0x22:
        contentType = reader.string();
        break;
      case 0x2a:
        entries += 1;
        if (limits !== undefined && entries > limits.maxMetadataEntries) {
          throw new LimitExceededError(`events[${index}].metadata`, `more than ${limits.maxMetadataEntries} metadata entries in one event`);
        }
        readMetadataEntry(reader, metadata);
        break;
      default:
        throw giveUp;
    }
  }
  if (reader.pos !== end) throw giveUp;
  return { $typeName: proposedEventTypeName, id, type, data: data ?? new Uint8Array(0), contentType, metadata } as ProposedEvent;
}

/** An empty marker message (`Any`, `NoStream`, `StreamExists`); gives up when it holds anything. */
function readEmpty(reader: Reader): void {
  const end = reader.end();
  if (end !== reader.pos) throw giveUp;
}

function readExpectedRevision(reader: Reader): ExpectedRevision {
  const end = reader.end();
  let kind: ExpectedRevision["kind"] = { case: undefined };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 0x0a:
        readEmpty(reader);
        kind = { case: "any", value: { $typeName: anyTypeName } as never };
        break;
      case 0x12:
        readEmpty(reader);
        kind = { case: "noStream", value: { $typeName: noStreamTypeName } as never };
        break;
      case 0x1a:
        readEmpty(reader);
        kind = { case: "streamExists", value: { $typeName: streamExistsTypeName } as never };
        break;
      case 0x20:
        kind = { case: "exact", value: reader.uint64() };
        break;
      default:
        throw giveUp;
    }
  }
  if (reader.pos !== end) throw giveUp;
  return { $typeName: expectedRevisionTypeName, kind } as ExpectedRevision;
}

/**
 * `bytes` as `fromBinary(AppendRequestSchema, bytes)` reads them, or `undefined` when that must decide.
 * With `limits`, a request with more events or metadata entries than they allow is refused
 * (`LimitExceededError`) as soon as the decoder meets the first one too many: a request
 * within the message size but with hundreds of thousands of entries costs no more than that.
 */
export function decodeAppendRequest(bytes: Uint8Array, limits?: DecodeLimits): AppendRequest | undefined {
  const reader = new Reader(bytes);
  let stream = "";
  const events: ProposedEvent[] = [];
  let expectedRevision: ExpectedRevision | undefined;
  try {
    while (reader.pos < bytes.length) {
      const tag = reader.uint32();
      switch (tag) {
        case 0x0a:
          stream = reader.string();
          break;
        case 0x12:
          if (limits !== undefined && events.length >= limits.maxEventsPerAppend) {
            throw new LimitExceededError("events", `more than ${limits.maxEventsPerAppend} events exceed the limit per append`);
          }
          events.push(readProposedEvent(reader, events.length, limits));
          break;
        case 0x1a:
          // A second occurrence merges into the first: rare enough to leave to `fromBinary`.
          if (expectedRevision !== undefined) return undefined;
          expectedRevision = readExpectedRevision(reader);
          break;
        default:
          return undefined;
      }
    }
  } catch (error) {
    if (error === giveUp) return undefined;
    throw error;
  }
  const request = { $typeName: appendRequestTypeName, stream, events } as AppendRequest;
  if (expectedRevision !== undefined) request.expectedRevision = expectedRevision;
  return request;
}
