import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppendRequestSchema,
  AppendResponseSchema,
  GetEventsRequestSchema,
  GetEventsResponseSchema,
  ReadAllRequestSchema,
  ReadAllResponseSchema,
  ReadStreamPageRequestSchema,
  ReadStreamPageResponseSchema,
  ReadStreamRequestSchema,
  ReadStreamResponseSchema,
} from "@annals/protocol";
import { defaultLimits } from "@annals/store";
import { startTestServer, type TestServer } from "./testing/test-server.js";

/** Every response message's size, as a default @grpc/grpc-js client (4 MiB receive limit) gets it. */
const received: number[] = [];
const method = (name: string, input: DescMessage, output: DescMessage, responseStream: boolean) => ({
  path: `/annals.eventstore.v1.EventStore/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: (message: Message) => Buffer.from(toBinary(input, message)),
  requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
  responseSerialize: (message: Message) => Buffer.from(toBinary(output, message)),
  responseDeserialize: (bytes: Buffer) => {
    received.push(bytes.byteLength);
    return fromBinary(output, bytes);
  },
});
const definition = {
  Append: method("Append", AppendRequestSchema, AppendResponseSchema, false),
  ReadStream: method("ReadStream", ReadStreamRequestSchema, ReadStreamResponseSchema, true),
  ReadAll: method("ReadAll", ReadAllRequestSchema, ReadAllResponseSchema, true),
  GetEvents: method("GetEvents", GetEventsRequestSchema, GetEventsResponseSchema, false),
  ReadStreamPage: method("ReadStreamPage", ReadStreamPageRequestSchema, ReadStreamPageResponseSchema, false),
};

describe("every response fits a default gRPC client", () => {
  let server: TestServer;
  let client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  const unary = <T>(name: string, request: unknown) =>
    new Promise<T>((resolve, reject) => client[name]!.call(client, request, (error: grpc.ServiceError | null, response: T) => (error ? reject(error) : resolve(response))));
  const stream = (name: string, request: unknown) =>
    new Promise<number>((resolve, reject) => {
      let events = 0;
      const call = client[name]!.call(client, request) as grpc.ClientReadableStream<{ events: unknown[] }>;
      call.on("data", (response) => (events += response.events.length));
      call.on("error", reject);
      call.on("end", () => resolve(events));
    });

  beforeAll(async () => {
    server = await startTestServer();
    const Client = grpc.makeGenericClientConstructor(definition, "EventStore");
    client = new Client(`127.0.0.1:${server.server.port}`, grpc.credentials.createInsecure()) as typeof client;
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it("an event at the append limit, in a stream with the longest name, reads back through every read", async () => {
    const name = `limit-${randomUUID()}-`.padEnd(256, "x");
    const type = "test.AtTheLimit";
    const id = randomUUID();
    const data = new Uint8Array(defaultLimits.maxAppendBytes - type.length).fill(9);
    await unary("Append", create(AppendRequestSchema, { stream: name, events: [{ id, type, data, metadata: {} }] }));
    received.length = 0;
    expect(await stream("ReadStream", create(ReadStreamRequestSchema, { stream: name }))).toBe(1);
    expect(await stream("ReadAll", create(ReadAllRequestSchema, { direction: 2, maxCount: 1n }))).toBe(1);
    const found = await unary<{ events: Array<{ data: Uint8Array }> }>("GetEvents", create(GetEventsRequestSchema, { ids: [id] }));
    expect(found.events[0]!.data.byteLength).toBe(data.byteLength);
    const page = await unary<{ events: Array<{ data: Uint8Array }> }>("ReadStreamPage", create(ReadStreamPageRequestSchema, { stream: name }));
    expect(page.events[0]!.data.byteLength).toBe(data.byteLength);
    expect(Math.max(...received)).toBeLessThan(4 * 1024 * 1024);
  });

  it("a page of large events stops before 4 MiB and says where the next one starts", async () => {
    const name = `large-${randomUUID()}`;
    for (let index = 0; index < 6; index += 1) {
      await unary("Append", create(AppendRequestSchema, { stream: name, events: [{ id: randomUUID(), type: "test.Large", data: new Uint8Array(1_000_000).fill(index), metadata: {} }] }));
    }
    received.length = 0;
    type Page = { events: Array<{ revision: bigint }>; nextRevision?: bigint };
    const first = await unary<Page>("ReadStreamPage", create(ReadStreamPageRequestSchema, { stream: name, maxCount: 10n }));
    expect([first.events.map((event) => event.revision), first.nextRevision]).toEqual([[0n, 1n, 2n, 3n], 4n]);
    const second = await unary<Page>("ReadStreamPage", create(ReadStreamPageRequestSchema, { stream: name, maxCount: 10n, from: { case: "revision", value: 4n } }));
    expect([second.events.map((event) => event.revision), second.nextRevision]).toEqual([[4n, 5n], undefined]);
    expect(Math.max(...received)).toBeLessThan(4 * 1024 * 1024);
  });

  it("events with large metadata come back in messages bounded by their real size", async () => {
    const name = `metadata-${randomUUID()}`;
    const metadata = Object.fromEntries(Array.from({ length: 128 }, (_, index) => [`key-${index}`, "m".repeat(1_500)]));
    await unary("Append", create(AppendRequestSchema, { stream: name, events: Array.from({ length: 20 }, () => ({ id: randomUUID(), type: "test.Heavy", data: new Uint8Array(), metadata })) }));
    received.length = 0;
    expect(await stream("ReadStream", create(ReadStreamRequestSchema, { stream: name }))).toBe(20);
    // About 3.9 MB in all: no message over the 256 KiB batch bound (each event is about 195 KiB).
    expect(received.length).toBeGreaterThanOrEqual(15);
    expect(Math.max(...received)).toBeLessThanOrEqual(256 * 1024);
  });
});
