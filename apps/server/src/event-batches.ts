import { create, type Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { WireType } from "@bufbuild/protobuf/wire";
import type { HandlerContext } from "@connectrpc/connect";
import type { RecordedEvent } from "@annals/store";
import type { RecordedEvent as WireRecordedEvent } from "@annals/protocol";
import { encodeRun, eventFieldSize, measureEvents, type MeasuredEvents } from "./event-codec.js";
import { toWireEvent } from "./wire.js";

/**
 * A `schema` message carrying `events` in its field 1 (`ReadAllResponse`,
 * `ReadStreamResponse`, `SubscribeResponse.Events`, `GetEventsResponse`). For a
 * binary call the events are encoded ahead by `event-codec.ts`, as the bytes of
 * that field, and attached as the message's unknown fields, which `toBinary` writes
 * as they are: the bytes on the wire are those of the ordinary message, produced
 * without per-event reflection. A JSON call gets ordinary messages.
 */
export function eventsMessage<T extends Message & { events: WireRecordedEvent[] }>(schema: GenMessage<T>, events: readonly RecordedEvent[], binary: boolean): T {
  if (!binary) return jsonMessage(schema, events);
  return binaryMessage(schema, measureEvents(events), 0, events.length);
}

function jsonMessage<T extends Message & { events: WireRecordedEvent[] }>(schema: GenMessage<T>, events: readonly RecordedEvent[]): T {
  const message = create(schema);
  message.events = events.map(toWireEvent);
  return message;
}

/**
 * Events `start` to `end` of `measured` in a `schema` message. The encoded run is
 * one unknown field's worth: `toBinary` writes an unknown field as its tag followed
 * by its raw bytes, so the run's first tag becomes the field's and the rest of the
 * run (the first event's length and fields, then every other event with its own tag)
 * its raw bytes. One entry for the whole run, where one per event cost `toBinary`
 * a write each.
 */
function binaryMessage<T extends Message>(schema: GenMessage<T>, measured: MeasuredEvents, start: number, end: number): T {
  const message = create(schema);
  if (end > start) message.$unknown = [{ no: 1, wireType: WireType.LengthDelimited, data: encodeRun(measured, start, end).subarray(1) }];
  return message;
}

/** True when the call exchanges protobuf binary (gRPC, gRPC-Web, Connect with `+proto`), false for JSON. */
export function isBinaryCall(context: HandlerContext): boolean {
  return !(context.requestHeader.get("content-type") ?? "").includes("json");
}

/** About what JSON makes of an event beyond its binary encoding: base64 data, field names and quoting. */
function jsonOverhead(event: RecordedEvent): number {
  return Math.ceil(event.data.byteLength / 3) + 160;
}

/**
 * What event `index` of `measured` weighs in a response: its encoded size in binary
 * (exact: the encoder's own measure), or about what JSON makes of it.
 */
function responseSize(measured: MeasuredEvents, index: number, binary: boolean): number {
  const encoded = eventFieldSize(measured, index);
  return binary ? encoded : encoded + jsonOverhead(measured.events[index]!);
}

/** A response message's worth of events, cut by `batchesOf`. */
export interface EventBatch {
  /** The batch's events: the very array given to `batchesOf` when they all fit one message. */
  readonly events: readonly RecordedEvent[];
  /** The batch as a `schema` message (see `eventsMessage`), encoded from the sizes `batchesOf` measured. */
  message<T extends Message & { events: WireRecordedEvent[] }>(schema: GenMessage<T>): T;
}

function batch(measured: MeasuredEvents, start: number, end: number, binary: boolean): EventBatch {
  const events = start === 0 && end === measured.events.length ? measured.events : measured.events.slice(start, end);
  return {
    events,
    message: (schema) => (binary ? binaryMessage(schema, measured, start, end) : jsonMessage(schema, events)),
  };
}

/**
 * Groups events into response messages of at most `maxBytes` as encoded (at least
 * one event each: an event alone may be larger, up to what the append limit lets
 * through). Each event is measured once, for both the cut and the encoding.
 */
export function* batchesOf(events: readonly RecordedEvent[], maxBytes: number, binary: boolean): Generator<EventBatch> {
  if (events.length === 0) return;
  const measured = measureEvents(events);
  let start = 0;
  let bytes = 0;
  for (let index = 0; index < events.length; index += 1) {
    const size = responseSize(measured, index, binary);
    if (index > start && bytes + size > maxBytes) {
      yield batch(measured, start, index, binary);
      start = index;
      bytes = 0;
    }
    bytes += size;
  }
  yield batch(measured, start, events.length, binary);
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
    const measured = measureEvents(page);
    for (let index = 0; index < page.length; index += 1) {
      const event = page[index]!;
      bytes += responseSize(measured, index, binary);
      if (events.length === count || (events.length > 0 && bytes > maxBytes)) return { events, next: event };
      events.push(event);
    }
  }
  return { events, next: undefined };
}
