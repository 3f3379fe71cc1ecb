import { describe, expect, it } from "vitest";
import { create, createRegistry, toBinary } from "@bufbuild/protobuf";
import { MoneyDepositedSchema, file_annals_bank_v1_events } from "@annals/protocol/bank";
import { hexDump, renderPayload } from "./payload.js";

const registry = createRegistry(file_annals_bank_v1_events);
const text = (value: string) => new TextEncoder().encode(value);

describe("an event's payload as the console shows it", () => {
  it("indents JSON as stored", () => {
    expect(renderPayload({ type: "x.Y", contentType: "application/json", data: text('{"a":1,"b":[true]}') }, undefined)).toEqual({
      kind: "json",
      text: '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}',
      summary: '{"a":1,"b":[true]}',
    });
  });

  it("decodes protobuf with the server's schemas, shown as its JSON form", () => {
    const data = toBinary(MoneyDepositedSchema, create(MoneyDepositedSchema, { accountId: "A-1", amount: "9.99" }));
    const payload = renderPayload({ type: "annals.bank.v1.MoneyDeposited", contentType: "application/protobuf", data }, registry);
    expect(payload).toMatchObject({ kind: "protobuf", summary: '{"accountId":"A-1","amount":"9.99"}' });
  });

  it("falls back to hex, saying why: an unknown type, bytes that do not decode, JSON that does not parse", () => {
    expect(renderPayload({ type: "no.Such", contentType: "application/protobuf", data: new Uint8Array([1, 2]) }, registry)).toMatchObject({
      kind: "hex",
      note: "the server knows no message no.Such",
      summary: "2 bytes: 01 02",
    });
    expect(renderPayload({ type: "annals.bank.v1.MoneyDeposited", contentType: "", data: new Uint8Array([0xff, 0xff]) }, registry)).toMatchObject({
      kind: "hex",
      note: expect.stringMatching(/^does not decode as annals\.bank\.v1\.MoneyDeposited/),
    });
    expect(renderPayload({ type: "x.Y", contentType: "application/json", data: text("{nope") }, undefined)).toMatchObject({ kind: "hex", note: expect.stringMatching(/^not valid JSON/) });
    expect(renderPayload({ type: "x.Y", contentType: "application/json", data: new Uint8Array() }, undefined).kind).toBe("empty");
  });

  it("dumps bytes 16 a line with their printable characters, and counts what it leaves out", () => {
    const data = new Uint8Array(40).map((_, index) => 0x41 + (index % 26));
    expect(hexDump(data, 20).split("\n")).toEqual([
      "00000000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|",
      "00000010  51 52 53 54                                      |QRST|",
      "… 20 more bytes",
    ]);
  });
});
