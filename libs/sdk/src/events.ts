import {
  create,
  fromBinary,
  fromJsonString,
  isMessage,
  toBinary,
  type DescMessage,
  type Message,
  type MessageShape,
  type Registry,
} from "@bufbuild/protobuf";
import { ProposedEventSchema, type ProposedEvent as WireProposedEvent, type RecordedEvent as WireRecordedEvent } from "@annals/protocol";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { newEventId } from "./uuid.js";

/** Options an event may carry besides its payload. */
export interface EventOptions {
  /** UUID, the idempotency key. Generated on the client when absent, so retries are safe. */
  id?: string;
  /** String metadata (actor, correlation id, causation id...). */
  metadata?: Record<string, string>;
}

/** A raw event: a type name and its encoded bytes. */
export interface RawEvent extends EventOptions {
  type: string;
  data: Uint8Array;
  /** Default `application/protobuf`. */
  contentType?: string;
}

/** A protobuf message with the schema that encodes it. */
export interface TypedEvent<Desc extends DescMessage = DescMessage> extends EventOptions {
  schema: Desc;
  message: MessageShape<Desc>;
}

/**
 * What `appendToStream` accepts: a raw `{ type, data }`, a `{ schema, message }` pair
 * (see `protoEvent`), or a bare protobuf message whose schema is in the client's registry.
 */
export type EventInput = RawEvent | TypedEvent | Message;

/** Pairs a protobuf message with its schema; the type name comes from the schema. */
export function protoEvent<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>, options: EventOptions = {}): TypedEvent<Desc> {
  return { schema, message, ...options };
}

/** An event as the store recorded it, decoded when its type is registered. */
export interface ResolvedEvent {
  id: string;
  type: string;
  data: Uint8Array;
  contentType: string;
  metadata: Record<string, string>;
  stream: string;
  revision: bigint;
  position: bigint;
  recordedAt: Date;
  /**
   * The event's data subject (metadata `$data_subject`) was forgotten: `data` is
   * empty and `message` undefined for ever; everything else stays.
   */
  erased?: boolean;
  /** The decoded protobuf message, when the client's registry knows `type`. */
  message: Message | undefined;
}

/** Narrows an event to a given protobuf type, typing its `message`. */
export function isEventOf<Desc extends DescMessage>(
  event: ResolvedEvent,
  schema: Desc,
): event is ResolvedEvent & { message: MessageShape<Desc> } {
  return event.type === schema.typeName && event.message !== undefined;
}

function isTypedEvent(input: EventInput): input is TypedEvent {
  return typeof (input as TypedEvent).schema === "object" && (input as TypedEvent).message !== undefined;
}

/**
 * The event's metadata, set after `create`: `create` copies a map entry by entry,
 * by assignment, and an entry named "__proto__" would be lost; the map object
 * itself keeps every own key, and the encoders write them all.
 */
function withMetadata(event: WireProposedEvent, metadata: Record<string, string> | undefined): WireProposedEvent {
  if (metadata !== undefined) event.metadata = { ...metadata };
  return event;
}

export function toWireEvent(input: EventInput, registry: Registry | undefined): WireProposedEvent {
  if (isTypedEvent(input)) {
    return withMetadata(
      create(ProposedEventSchema, { id: input.id ?? newEventId(), type: input.schema.typeName, data: toBinary(input.schema, input.message), contentType: "application/protobuf" }),
      input.metadata,
    );
  }
  if (typeof (input as Message).$typeName === "string") {
    const message = input as Message;
    const schema = registry?.getMessage(message.$typeName);
    if (!schema || !isMessage(message, schema)) {
      throw new TypeError(`${message.$typeName} is not in the client's registry: pass { schema, message } or register its file`);
    }
    return create(ProposedEventSchema, { id: newEventId(), type: schema.typeName, data: toBinary(schema, message), contentType: "application/protobuf" });
  }
  const raw = input as RawEvent;
  return withMetadata(
    create(ProposedEventSchema, { id: raw.id ?? newEventId(), type: raw.type, data: raw.data, contentType: raw.contentType ?? "application/protobuf" }),
    raw.metadata,
  );
}

/** The event's payload decoded with the registry's schema for `type`; `undefined` when the registry does not know it. */
export function decodeMessage(type: string, contentType: string, data: Uint8Array, registry: Registry | undefined): Message | undefined {
  const schema = registry?.getMessage(type);
  if (!schema) return undefined;
  if (contentType === "application/json") return fromJsonString(schema, new TextDecoder().decode(data), { registry });
  return fromBinary(schema, data);
}

export function fromWireEvent(event: WireRecordedEvent, registry: Registry | undefined): ResolvedEvent {
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    contentType: event.contentType,
    metadata: event.metadata,
    stream: event.stream,
    revision: event.revision,
    position: event.position,
    recordedAt: new Date(event.recordedAt ? timestampMs(event.recordedAt) : 0),
    erased: event.erased || undefined,
    message: event.erased ? undefined : decodeMessage(event.type, event.contentType, event.data, registry),
  };
}
