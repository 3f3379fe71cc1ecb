import { create, type Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { WireType } from "@bufbuild/protobuf/wire";
import type { HandlerContext } from "@connectrpc/connect";
import type { RecordedEvent } from "@annals/store";
import type { RecordedEvent as WireRecordedEvent } from "@annals/protocol";
import { encodedEventSize, encodeEvents } from "./event-codec.js";
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

/**
 * What an event weighs in a response: its encoded size in binary (exact: the
 * encoder's own measure), or about what JSON makes of it (base64 data, field
 * names and quoting).
 */
function responseSize(event: RecordedEvent, binary: boolean): number {
  const encoded = encodedEventSize(event) + 6;
  return binary ? encoded : encoded + Math.ceil(event.data.byteLength / 3) + 160;
}

/**
 * Groups events into response messages of at most `maxBytes` as encoded (at least
 * one event each: an event alone may be larger, up to what the append limit lets
 * through). Events that fit in one message come back as the same array.
 */
export function* batchesOf(events: readonly RecordedEvent[], maxBytes: number, binary: boolean): Generator<readonly RecordedEvent[]> {
  const sizes = events.map((event) => responseSize(event, binary));
  let total = 0;
  for (const size of sizes) total += size;
  if (total <= maxBytes) {
    if (events.length > 0) yield events;
    return;
  }
  let batch: RecordedEvent[] = [];
  let bytes = 0;
  for (let index = 0; index < events.length; index += 1) {
    const size = sizes[index]!;
    if (batch.length > 0 && bytes + size > maxBytes) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(events[index]!);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** A response's worth of a read: its events, and the first one left out (`undefined` when none followed). */
export interface ResponsePage {
  events: RecordedEvent[];
  next: RecordedEvent | undefined;
}

/**
 * The first events of `pages` that fit one response message: at most `count`,
 * and at most `maxBytes` as encoded (at least one event). `pages` should hold one
 * event more than `count` where there is one: it is read up to that event, which
 * tells whether another page follows, and then left.
 */
export async function responsePage(pages: AsyncIterable<readonly RecordedEvent[]>, count: number, maxBytes: number, binary: boolean): Promise<ResponsePage> {
  const events: RecordedEvent[] = [];
  let bytes = 0;
  for await (const page of pages) {
    for (const event of page) {
      bytes += responseSize(event, binary);
      if (events.length === count || (events.length > 0 && bytes > maxBytes)) return { events, next: event };
      events.push(event);
    }
  }
  return { events, next: undefined };
}
