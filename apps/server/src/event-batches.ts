import { create, type Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { WireType } from "@bufbuild/protobuf/wire";
import type { HandlerContext } from "@connectrpc/connect";
import type { RecordedEvent } from "@annals/store";
import type { RecordedEvent as WireRecordedEvent } from "@annals/protocol";
import { encodeEvents } from "./event-codec.js";
import { toWireEvent } from "./wire.js";

/**
 * A `schema` message carrying `events` in its field 1 (`ReadAllResponse`,
 * `ReadStreamResponse`, `SubscribeResponse.Events`). For a binary call the
 * events are encoded ahead by `event-codec.ts` and attached as raw values of
 * field 1, which `toBinary` writes as they are: the bytes on the wire are those
 * of the ordinary message, produced without per-event reflection. A JSON call
 * gets ordinary messages.
 */
export function eventsMessage<T extends Message & { events: WireRecordedEvent[] }>(schema: GenMessage<T>, events: readonly RecordedEvent[], binary: boolean): T {
  const message = create(schema);
  if (!binary) {
    message.events = events.map(toWireEvent);
    return message;
  }
  message.$unknown = encodeEvents(events).map((data) => ({ no: 1, wireType: WireType.LengthDelimited, data }));
  return message;
}

/** True when the call exchanges protobuf binary (gRPC, gRPC-Web, Connect with `+proto`), false for JSON. */
export function isBinaryCall(context: HandlerContext): boolean {
  return !(context.requestHeader.get("content-type") ?? "").includes("json");
}
