import { create, createFileRegistry, type Message } from "@bufbuild/protobuf";
import type { GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { EventStore, type GetEventsRequestSchema, type ReadAllRequestSchema, type ReadStreamPageRequestSchema, type ReadStreamRequestSchema, type SubscribeRequestSchema } from "@annals/protocol";

/**
 * Views of the responses that carry events, leaving each event undecoded: a field
 * read as `bytes` accepts the same wire bytes as a message field of the same
 * number. The reflective decoder then only slices the response, and
 * `event-decoder.ts` decodes the events by hand, several times faster.
 * Nothing changes on the wire; these types exist only in this process.
 */

/** `ReadAllResponse`, `ReadStreamResponse` and `GetEventsResponse`: `repeated RecordedEvent events = 1`. */
export type EventsView = Message<"annals.sdk.views.EventsView"> & { events: Uint8Array[] };

/** `ReadStreamPageResponse`: the events left encoded, and where the next page starts. */
export type StreamPageView = Message<"annals.sdk.views.StreamPageView"> & { events: Uint8Array[]; nextRevision?: bigint };

/** `SubscribeResponse`: its `kind` oneof, each member left encoded. */
export type SubscribeResponseView = Message<"annals.sdk.views.SubscribeResponseView"> & {
  kind:
    | { case: "events"; value: Uint8Array }
    | { case: "caughtUp"; value: Uint8Array }
    | { case: "checkpoint"; value: Uint8Array }
    | { case: "fellBehind"; value: Uint8Array }
    | { case: undefined; value?: undefined };
};

function bytesField(name: string, jsonName: string, number: number, label = FieldDescriptorProto_Label.OPTIONAL, oneofIndex?: number) {
  return { name, jsonName, number, type: FieldDescriptorProto_Type.BYTES, label, oneofIndex };
}

const file = create(FileDescriptorProtoSchema, {
  name: "annals/sdk/views.proto",
  package: "annals.sdk.views",
  syntax: "proto3",
  messageType: [
    { name: "EventsView", field: [bytesField("events", "events", 1, FieldDescriptorProto_Label.REPEATED)] },
    {
      name: "StreamPageView",
      field: [
        bytesField("events", "events", 1, FieldDescriptorProto_Label.REPEATED),
        { name: "next_revision", jsonName: "nextRevision", number: 2, type: FieldDescriptorProto_Type.UINT64, label: FieldDescriptorProto_Label.OPTIONAL, oneofIndex: 0, proto3Optional: true },
      ],
      oneofDecl: [{ name: "_next_revision" }],
    },
    {
      name: "SubscribeResponseView",
      field: [
        bytesField("events", "events", 1, undefined, 0),
        bytesField("caught_up", "caughtUp", 2, undefined, 0),
        bytesField("checkpoint", "checkpoint", 3, undefined, 0),
        bytesField("fell_behind", "fellBehind", 4, undefined, 0),
      ],
      oneofDecl: [{ name: "kind" }],
    },
  ],
});
const registry = createFileRegistry(file, () => undefined);

const EventsViewSchema = registry.getMessage("annals.sdk.views.EventsView") as GenMessage<EventsView>;
const StreamPageViewSchema = registry.getMessage("annals.sdk.views.StreamPageView") as GenMessage<StreamPageView>;
const SubscribeResponseViewSchema = registry.getMessage("annals.sdk.views.SubscribeResponseView") as GenMessage<SubscribeResponseView>;

/** The methods of `annals.eventstore.v1.EventStore` that answer events, answering views. Same paths, same requests. */
export const EventStoreViews = {
  ...EventStore,
  methods: [
    { ...EventStore.method.readStream, output: EventsViewSchema },
    { ...EventStore.method.readStreamPage, output: StreamPageViewSchema },
    { ...EventStore.method.readAll, output: EventsViewSchema },
    { ...EventStore.method.subscribe, output: SubscribeResponseViewSchema },
    { ...EventStore.method.getEvents, output: EventsViewSchema },
  ],
} as unknown as GenService<{
  readStream: { methodKind: "server_streaming"; input: typeof ReadStreamRequestSchema; output: typeof EventsViewSchema };
  readStreamPage: { methodKind: "unary"; input: typeof ReadStreamPageRequestSchema; output: typeof StreamPageViewSchema };
  readAll: { methodKind: "server_streaming"; input: typeof ReadAllRequestSchema; output: typeof EventsViewSchema };
  subscribe: { methodKind: "server_streaming"; input: typeof SubscribeRequestSchema; output: typeof SubscribeResponseViewSchema };
  getEvents: { methodKind: "unary"; input: typeof GetEventsRequestSchema; output: typeof EventsViewSchema };
}>;
