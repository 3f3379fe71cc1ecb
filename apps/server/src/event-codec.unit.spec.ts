import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { RecordedEvent } from "@annals/store";
import { ReadAllResponseSchema, SubscribeResponseSchema, SubscribeResponse_EventsSchema } from "@annals/protocol";
import { batchesOf, eventsMessage } from "./event-batches.js";
import { toWireEvent } from "./wire.js";

function recorded(overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    id: "7b0e3f59-9f4c-4b7e-8a53-0e1d9a3c2f10",
    type: "shop.v1.ItemAdded",
    data: Uint8Array.from([8, 1, 18, 3, 49, 46, 48]),
    contentType: "application/protobuf",
    metadata: {},
    stream: "cart-1",
    revision: 3,
    position: 42,
    recordedAt: 1_764_000_000_123,
    ...overrides,
  };
}

const cases: Array<[string, RecordedEvent]> = [
  ["a small protobuf event", recorded()],
  ["revision 0, empty data, a whole second", recorded({ revision: 0, data: new Uint8Array(0), recordedAt: 1_764_000_000_000 })],
  ["metadata, JSON, non-ASCII text", recorded({ contentType: "application/json", metadata: { actor: "ada", "corrélation": "c-1 ✓", empty: "" }, stream: "compte-é-😀" })],
  ["positions and revisions past 2^32, a large payload", recorded({ revision: 2 ** 40 + 7, position: 2 ** 52 + 1, data: new Uint8Array(70_000).fill(7) })],
  ["time zero and before the first second", recorded({ recordedAt: 0 })],
  ["milliseconds only", recorded({ recordedAt: 999 })],
  ["an erased event", recorded({ data: new Uint8Array(0), metadata: { $data_subject: "ada" }, erased: true })],
];

describe("event codec", () => {
  it.each(cases)("writes the bytes toBinary writes: %s", (_, event) => {
    const reflective = toBinary(ReadAllResponseSchema, create(ReadAllResponseSchema, { events: [toWireEvent(event), toWireEvent(event)] }));
    const fast = toBinary(ReadAllResponseSchema, eventsMessage(ReadAllResponseSchema, [event, event], true));
    expect(Buffer.from(fast).equals(Buffer.from(reflective))).toBe(true);
  });

  it("round-trips a batch inside a SubscribeResponse", () => {
    const events = cases.map(([, event]) => event);
    const response = create(SubscribeResponseSchema, { kind: { case: "events", value: eventsMessage(SubscribeResponse_EventsSchema, events, true) } });
    const decoded = fromBinary(SubscribeResponseSchema, toBinary(SubscribeResponseSchema, response));
    expect(decoded.kind.case).toBe("events");
    const wire = decoded.kind.case === "events" ? decoded.kind.value.events : [];
    expect(wire.map((event) => [event.stream, event.revision, event.position, event.metadata])).toEqual(
      events.map((event) => [event.stream, BigInt(event.revision), BigInt(event.position), event.metadata]),
    );
  });

  it("cuts events into messages of at most the bound, each as toBinary writes it", () => {
    const events = Array.from({ length: 40 }, (_, index) => cases[index % cases.length]![1]).filter((event) => event.data.byteLength < 1_000);
    const sizes = events.map((event) => toBinary(ReadAllResponseSchema, create(ReadAllResponseSchema, { events: [toWireEvent(event)] })).byteLength);
    const maxBytes = 3 * Math.max(...sizes);
    const batches = [...batchesOf(events, maxBytes, true)];
    expect(batches.length).toBeGreaterThan(2);
    let next = 0;
    for (const batch of batches) {
      const bytes = toBinary(ReadAllResponseSchema, batch.message(ReadAllResponseSchema));
      const reflective = toBinary(ReadAllResponseSchema, create(ReadAllResponseSchema, { events: batch.events.map(toWireEvent) }));
      expect(Buffer.from(bytes).equals(Buffer.from(reflective))).toBe(true);
      expect(bytes.byteLength).toBeLessThanOrEqual(maxBytes);
      expect(batch.events).toEqual(events.slice(next, next + batch.events.length));
      next += batch.events.length;
      // Cut where the next event would not fit.
      if (next < events.length) expect(bytes.byteLength + sizes[next]!).toBeGreaterThan(maxBytes);
    }
    expect(next).toBe(events.length);
  });

  it("gives events that fit one message back as the same array, and an event over the bound a message of its own", () => {
    const events = cases.map(([, event]) => event);
    const [whole, ...rest] = [...batchesOf(events, 1 << 20, true)];
    expect(rest).toHaveLength(0);
    expect(whole!.events).toBe(events);
    const large = recorded({ data: new Uint8Array(5_000) });
    expect([...batchesOf([recorded(), large, recorded()], 1_000, true)].map((batch) => batch.events.length)).toEqual([1, 1, 1]);
    expect([...batchesOf([], 1_000, true)]).toHaveLength(0);
  });

  it("gives JSON calls ordinary messages", () => {
    const message = eventsMessage(ReadAllResponseSchema, [recorded()], false);
    expect(message.events).toHaveLength(1);
    expect(message.$unknown).toBeUndefined();
  });
});
