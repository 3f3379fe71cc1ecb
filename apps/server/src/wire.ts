import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { InvalidInputError, type ExpectedRevision, type ProposedEvent, type RecordedEvent, type StreamMetadata } from "@annals/store";
import {
  Direction as WireDirection,
  ExpectedRevisionSchema,
  type ExpectedRevision as WireExpectedRevision,
  type ProposedEvent as WireProposedEvent,
  type RecordedEvent as WireRecordedEvent,
  RecordedEventSchema,
  StreamMetadataSchema,
  type StreamMetadata as WireStreamMetadata,
} from "@annals/protocol";

/**
 * Conversions between the wire (protobuf) and the store's plain types. What the
 * wire can say but the store cannot take (a uint64 above 2^53 - 1, an enum value
 * this server does not know) is refused here with the store's `InvalidInputError`,
 * so it reaches the client the way every validation error does (`error-mapping.ts`:
 * INVALID_ARGUMENT with an InvalidField detail).
 */

/** A uint64 from the wire as a safe JavaScript integer. */
export function toSafeNumber(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidInputError(field, "is larger than 2^53 - 1");
  return Number(value);
}

export function fromWireExpectedRevision(expected: WireExpectedRevision | undefined): ExpectedRevision {
  switch (expected?.kind.case) {
    case undefined:
    case "any":
      return "any";
    case "noStream":
      return "no_stream";
    case "streamExists":
      return "stream_exists";
    case "exact":
      return toSafeNumber(expected.kind.value, "expected_revision.exact");
  }
}

export function toWireExpectedRevision(expected: ExpectedRevision): WireExpectedRevision {
  switch (expected) {
    case "any":
      return create(ExpectedRevisionSchema, { kind: { case: "any", value: {} } });
    case "no_stream":
      return create(ExpectedRevisionSchema, { kind: { case: "noStream", value: {} } });
    case "stream_exists":
      return create(ExpectedRevisionSchema, { kind: { case: "streamExists", value: {} } });
    default:
      return create(ExpectedRevisionSchema, { kind: { case: "exact", value: BigInt(expected) } });
  }
}

export function fromWireEvent(event: WireProposedEvent): ProposedEvent {
  return { id: event.id, type: event.type, data: event.data, contentType: event.contentType, metadata: event.metadata };
}

export function toWireEvent(event: RecordedEvent): WireRecordedEvent {
  return create(RecordedEventSchema, {
    id: event.id,
    type: event.type,
    data: event.data,
    contentType: event.contentType,
    metadata: event.metadata,
    stream: event.stream,
    revision: BigInt(event.revision),
    position: BigInt(event.position),
    recordedAt: timestampFromMs(event.recordedAt),
    erased: event.erased === true,
  });
}

export function fromWireDirection(direction: WireDirection): "forwards" | "backwards" {
  switch (direction) {
    case WireDirection.UNSPECIFIED:
    case WireDirection.FORWARDS:
      return "forwards";
    case WireDirection.BACKWARDS:
      return "backwards";
    default:
      throw new InvalidInputError("direction", `unknown value ${String(direction)}`);
  }
}

/** A signed int64 from the wire as a JavaScript number; the store refuses what is out of range (negative counts...). */
function fromWireInt64(value: bigint | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new InvalidInputError(field, "is outside ±(2^53 - 1)");
  return Number(value);
}

export function fromWireStreamMetadata(metadata: WireStreamMetadata | undefined): StreamMetadata {
  const plain: StreamMetadata = { custom: metadata?.custom ?? {} };
  const maxCount = fromWireInt64(metadata?.maxCount, "max_count");
  const maxAgeSeconds = fromWireInt64(metadata?.maxAgeSeconds, "max_age");
  const truncateBefore = fromWireInt64(metadata?.truncateBefore, "truncate_before");
  if (maxCount !== undefined) plain.maxCount = maxCount;
  if (maxAgeSeconds !== undefined) plain.maxAgeSeconds = maxAgeSeconds;
  if (truncateBefore !== undefined) plain.truncateBefore = truncateBefore;
  return plain;
}

export function toWireStreamMetadata(metadata: StreamMetadata): WireStreamMetadata {
  return create(StreamMetadataSchema, {
    maxCount: metadata.maxCount === undefined ? undefined : BigInt(metadata.maxCount),
    maxAgeSeconds: metadata.maxAgeSeconds === undefined ? undefined : BigInt(Math.round(metadata.maxAgeSeconds)),
    truncateBefore: metadata.truncateBefore === undefined ? undefined : BigInt(metadata.truncateBefore),
    custom: { ...metadata.custom },
  });
}
