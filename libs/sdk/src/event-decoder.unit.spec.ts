import { create, createRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { ReadAllResponseSchema, RecordedEventSchema, SubscribeResponse_EventsSchema, type RecordedEvent } from "@annals/protocol";
import { AccountOpenedSchema, file_annals_bank_v1_events } from "@annals/protocol/bank";
import { decodeEvent, decodeEventList } from "./event-decoder.js";
import { fromWireEvent } from "./events.js";

const registry = createRegistry(file_annals_bank_v1_events);

function wire(overrides: Partial<Omit<RecordedEvent, "$typeName">> = {}): RecordedEvent {
  return create(RecordedEventSchema, {
    id: "7b0e3f59-9f4c-4b7e-8a53-0e1d9a3c2f10",
    type: "annals.bank.v1.AccountOpened",
    data: toBinary(AccountOpenedSchema, create(AccountOpenedSchema, { accountId: "account-1", initialBalance: "10.00" })),
    contentType: "application/protobuf",
    stream: "account-1",
    revision: 3n,
    position: 42n,
    recordedAt: timestampFromMs(1_764_000_000_123),
    ...overrides,
  });
}

const cases: Array<[string, RecordedEvent]> = [
  ["a typed protobuf event", wire()],
  ["zero values everywhere", create(RecordedEventSchema, {})],
  ["metadata, JSON and non-ASCII text", wire({ contentType: "application/json", type: "t.Json", data: new TextEncoder().encode('{"a":"é"}'), metadata: { actor: "ada", "clé": "välue ✓", empty: "" }, stream: "compte-😀-".repeat(10) })],
  ["an erased event", wire({ data: new Uint8Array(0), metadata: { $data_subject: "ada" }, erased: true })],
  ["64-bit positions", wire({ revision: 2n ** 63n + 5n, position: 2n ** 64n - 1n })],
  ["unknown fields from a newer server", { ...wire(), $unknown: [{ no: 99, wireType: WireType.Varint, data: Uint8Array.from([0xc8, 0x01]) }] }],
];

describe("event decoder", () => {
  it.each(cases)("decodes as fromBinary + fromWireEvent do: %s", (_, event) => {
    const bytes = toBinary(RecordedEventSchema, event);
    const expected = fromWireEvent(fromBinary(RecordedEventSchema, bytes), registry);
    expect(decodeEvent(bytes, registry)).toEqual(expected);
  });

  it("decodes the events of a batch, in order, inside a larger buffer", () => {
    const events = cases.map(([, event]) => event);
    const bytes = toBinary(SubscribeResponse_EventsSchema, create(SubscribeResponse_EventsSchema, { events }));
    const expected = fromBinary(ReadAllResponseSchema, bytes).events.map((event) => fromWireEvent(event, undefined));
    expect(decodeEventList(bytes, undefined)).toEqual(expected);
  });

  it("refuses a truncated event", () => {
    const bytes = toBinary(RecordedEventSchema, wire());
    expect(() => decodeEvent(bytes.subarray(0, bytes.length - 3), undefined)).toThrow();
  });
});
