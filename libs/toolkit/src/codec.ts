import { fromBinary, fromJsonString, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { RawEvent, ResolvedEvent, TypedEvent } from "@annals/sdk";

/** What an event codec gives to append: a protobuf message with its schema, or raw bytes with a type. The toolkit adds the id and metadata. */
export type EncodedEvent = Omit<TypedEvent, "id" | "metadata"> | Omit<RawEvent, "id" | "metadata">;

/** How the domain's events are stored: to what `appendToStream` takes, and back from what the store recorded. */
export interface EventCodec<Event> {
  encode(event: Event): EncodedEvent;
  /** A recorded event of the entity's stream as a domain event; throws when it cannot be read. */
  decode(event: ResolvedEvent): Event;
}

/** How a state is kept in a snapshot. `type` names the format: a snapshot of another type is ignored. */
export interface StateCodec<State> {
  readonly type: string;
  encode(state: State): Uint8Array;
  decode(data: Uint8Array): State;
}

/**
 * The codec of a domain whose events are the protobuf messages themselves: each
 * is stored under its full message name, binary; JSON-encoded ones read too.
 */
export function protobufEvents<const Schemas extends readonly DescMessage[]>(...schemas: Schemas): EventCodec<MessageShape<Schemas[number]>> {
  const byType = new Map<string, DescMessage>(schemas.map((schema) => [schema.typeName, schema]));
  return {
    encode(event) {
      const schema = byType.get(event.$typeName);
      if (schema === undefined) throw new TypeError(`${event.$typeName} is not one of this codec's events`);
      return { schema, message: event };
    },
    decode(event) {
      const schema = byType.get(event.type);
      if (schema === undefined) throw new TypeError(`type ${event.type} is not one of this codec's events`);
      if (event.contentType === "application/json") return fromJsonString(schema, new TextDecoder().decode(event.data)) as MessageShape<Schemas[number]>;
      return fromBinary(schema, event.data) as MessageShape<Schemas[number]>;
    },
  };
}

/** A state that is a protobuf message, kept binary in snapshots under its message name. */
export function protobufState<Desc extends DescMessage>(schema: Desc): StateCodec<MessageShape<Desc>> {
  return {
    type: schema.typeName,
    encode: (state) => toBinary(schema, state),
    decode: (data) => fromBinary(schema, data),
  };
}

/**
 * The codec of a domain whose events are plain objects with a `type`: each is
 * stored as JSON under `prefix` + its type (e.g. `cart.ItemAdded`). Quick to
 * start with; `protobufEvents` types the events end to end from .proto files.
 */
export function jsonEvents<Event extends { type: string }>(prefix: string): EventCodec<Event> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    encode: (event) => ({ type: `${prefix}${event.type}`, data: encoder.encode(JSON.stringify(event)), contentType: "application/json" }),
    decode(event) {
      if (!event.type.startsWith(prefix)) throw new TypeError(`type ${event.type} is not one of this codec's events (${prefix}*)`);
      const decoded = JSON.parse(decoder.decode(event.data)) as Event;
      if (`${prefix}${decoded.type}` !== event.type) throw new TypeError(`the data of a ${event.type} says it is a ${decoded.type}`);
      return decoded;
    },
  };
}
