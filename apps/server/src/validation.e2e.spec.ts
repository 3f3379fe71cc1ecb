import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { InvalidFieldSchema, type AppendRequestSchema, type Direction } from "@annals/protocol";
import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const event = (overrides: Record<string, unknown> = {}) => ({ id: randomUUID(), type: "test.Happened", data: new Uint8Array([1]), ...overrides });

describe("every validation rule answers its code and leaves the store unchanged", () => {
  let server: TestServer;
  let client: AnnalsClient;

  beforeAll(async () => {
    server = await startTestServer();
    client = createAnnalsClient({ baseUrl: server.url });
    await client.appendToStream("existing", [event()]);
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  async function refused(request: MessageInitShape<typeof AppendRequestSchema>, code: Code, field?: string) {
    const before = await server.store.headPosition();
    const error = await client.raw.append(request).then(
      () => undefined,
      (caught: unknown) => ConnectError.from(caught),
    );
    expect(error, "the append must be refused").toBeInstanceOf(ConnectError);
    expect(Code[error!.code]).toBe(Code[code]);
    if (field) expect(error!.rawMessage).toContain(field);
    // Every refusal of a malformed or oversized field names it in an InvalidField detail.
    if (code !== Code.FailedPrecondition && field) expect(error!.findDetails(InvalidFieldSchema)[0]?.field).toContain(field.replace("bytes", "events"));
    expect(await server.store.headPosition()).toBe(before);
  }

  const cases: Array<[string, MessageInitShape<typeof AppendRequestSchema>, Code, string?]> = [
    ["an empty stream name", { stream: "", events: [event()] }, Code.InvalidArgument, "stream"],
    ["a stream name over 256 characters", { stream: "s".repeat(257), events: [event()] }, Code.InvalidArgument, "stream"],
    ["a stream name with a control character", { stream: "a\nb", events: [event()] }, Code.InvalidArgument, "stream"],
    ["a reserved $ stream name", { stream: "$all", events: [event()] }, Code.InvalidArgument, "stream"],
    ["no events", { stream: "s", events: [] }, Code.InvalidArgument, "events"],
    ["an id that is not a UUID", { stream: "s", events: [event({ id: "123" })] }, Code.InvalidArgument, "events[0].id"],
    ["the same id twice", { stream: "s", events: [event({ id: "8f0c1b8e-3f7a-4d3c-9a57-0c1d2e3f4a5b" }), event({ id: "8f0c1b8e-3f7a-4d3c-9a57-0c1d2e3f4a5b" })] }, Code.InvalidArgument, "events[1].id"],
    ["an empty type", { stream: "s", events: [event({ type: "" })] }, Code.InvalidArgument, "events[0].type"],
    ["a type with spaces", { stream: "s", events: [event({ type: "money deposited" })] }, Code.InvalidArgument, "events[0].type"],
    ["a type over 256 characters", { stream: "s", events: [event({ type: "t".repeat(257) })] }, Code.InvalidArgument, "events[0].type"],
    ["an unknown content type", { stream: "s", events: [event({ contentType: "text/html" })] }, Code.InvalidArgument, "events[0].contentType"],
    ["an empty metadata key", { stream: "s", events: [event({ metadata: { "": "x" } })] }, Code.InvalidArgument, "events[0].metadata"],
    ["an exact revision above 2^53", { stream: "s", events: [event()], expectedRevision: { kind: { case: "exact", value: 2n ** 60n } } }, Code.InvalidArgument, "expected_revision"],
    ["more than 10,000 events", { stream: "s", events: Array.from({ length: 10_001 }, () => event()) }, Code.ResourceExhausted, "events"],
    ["more than 4 MiB of data", { stream: "s", events: [event({ data: new Uint8Array(4 * 1024 * 1024 + 1) })] }, Code.ResourceExhausted, "bytes"],
    ["a message over the 16 MiB read limit", { stream: "s", events: [event({ data: new Uint8Array(17 * 1024 * 1024) })] }, Code.ResourceExhausted],
  ];

  it.each(cases)("refuses %s", async (_name, request, code, field) => {
    await refused(request, code, field);
  });

  it("refuses a conflicting append with FAILED_PRECONDITION and stores nothing", async () => {
    await refused({ stream: "existing", events: [event()], expectedRevision: { kind: { case: "noStream", value: {} } } }, Code.FailedPrecondition, "actual 0");
  });

  it("refuses bad reads with INVALID_ARGUMENT and an InvalidField detail naming the field, enums and 2^53 overflows included", async () => {
    const reads: Array<[string, () => AsyncIterable<unknown>]> = [
      ["stream", () => client.raw.readStream({ stream: "" })],
      ["revision", () => client.raw.readStream({ stream: "existing", from: { case: "revision", value: 2n ** 60n } })],
      ["direction", () => client.raw.readStream({ stream: "existing", direction: 7 as Direction })],
      ["direction", () => client.raw.readAll({ direction: 9 as Direction })],
      ["max_count", () => client.raw.readAll({ maxCount: 2n ** 62n })],
    ];
    for (const [field, read] of reads) {
      const error = await (async () => {
        for await (const response of read()) void response;
      })().then(
        () => undefined,
        (caught: unknown) => ConnectError.from(caught),
      );
      expect(error).toBeInstanceOf(ConnectError);
      expect(Code[error!.code]).toBe(Code[Code.InvalidArgument]);
      expect(error!.findDetails(InvalidFieldSchema)[0]?.field).toBe(field);
    }
    for (const [field, call] of [
      ["position", () => client.raw.setCheckpoint({ name: "c", position: 2n ** 60n })],
      ["expected_position", () => client.raw.setCheckpoint({ name: "c", position: 1n, expectedPosition: 2n ** 60n })],
      ["ids[0]", () => client.raw.getEvents({ ids: ["not-a-uuid"] })],
      ["stream", () => client.raw.readStreamPage({ stream: "" })],
      ["revision", () => client.raw.readStreamPage({ stream: "existing", from: { case: "revision", value: 2n ** 60n } })],
      ["direction", () => client.raw.readStreamPage({ stream: "existing", direction: 7 as Direction })],
      ["max_count", () => client.raw.readStreamPage({ stream: "existing", maxCount: 2n ** 62n })],
    ] as const) {
      const error = await call().then(() => undefined, (caught: unknown) => ConnectError.from(caught));
      expect(error).toMatchObject({ code: Code.InvalidArgument });
      expect(error!.findDetails(InvalidFieldSchema)[0]?.field).toBe(field);
    }
    const getStream = await client.raw.getStream({ stream: "\u0000" }).catch((caught: unknown) => ConnectError.from(caught));
    expect(getStream).toMatchObject({ code: Code.InvalidArgument });
  });
});
