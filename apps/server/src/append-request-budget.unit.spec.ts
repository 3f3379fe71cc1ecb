import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AppendRequestSchema } from "@annals/protocol";
import { LimitExceededError } from "@annals/store";
import { checkAppendBody } from "./append-request-budget.js";

const limits = { maxEventsPerAppend: 5, maxMetadataEntries: 3 };
const metadata = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, "v"]));
const request = (events: number, entries: number) =>
  toBinary(AppendRequestSchema, create(AppendRequestSchema, { stream: "s", events: Array.from({ length: events }, () => ({ type: "t", data: new Uint8Array([1, 2]), metadata: metadata(entries) })) }));
const enveloped = (bytes: Uint8Array) => {
  const frame = Buffer.alloc(5 + bytes.length);
  frame.writeUInt32BE(bytes.length, 1);
  frame.set(bytes, 5);
  return frame;
};
const json = (events: number, entries: number) => Buffer.from(JSON.stringify({ stream: "s", events: Array.from({ length: events }, () => ({ type: "t", metadata: metadata(entries) })) }));

describe("the Append body scan", () => {
  it("lets requests within the limits through, on every encoding", () => {
    for (const [body, type] of [
      [enveloped(request(5, 3)), "application/grpc"],
      [enveloped(request(5, 3)), "application/grpc-web+proto"],
      [request(5, 3), "application/proto"],
      [json(5, 3), "application/json"],
    ] as const) expect(() => checkAppendBody(body, type, limits)).not.toThrow();
  });

  it("refuses too many events or metadata entries, naming the field, on every encoding", () => {
    for (const [body, type, field] of [
      [enveloped(request(6, 0)), "application/grpc", "events"],
      [enveloped(request(2, 4)), "application/grpc-web", "events[0].metadata"],
      [request(2, 4), "application/proto", "events[0].metadata"],
      [json(6, 0), "application/json", "events"],
      [json(2, 4), "application/json", "events[0].metadata"],
    ] as const) {
      let caught: unknown;
      try {
        checkAppendBody(body, type, limits);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(LimitExceededError);
      expect((caught as LimitExceededError).field).toBe(field);
    }
  });

  it("leaves bytes it cannot read to the decoder", () => {
    for (const body of [Buffer.from([0xff, 0xff, 0xff]), Buffer.from("{not json"), Buffer.alloc(0), Buffer.from([0x12, 0x7f, 0x01])]) {
      expect(() => checkAppendBody(body, "application/proto", limits)).not.toThrow();
      expect(() => checkAppendBody(body, "application/json", limits)).not.toThrow();
    }
  });
});
