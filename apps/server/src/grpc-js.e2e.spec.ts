import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcJsMethod } from "./testing/grpc-js-method.js";
import {
  AppendRequestSchema,
  AppendResponseSchema,
  GetStreamRequestSchema,
  GetStreamResponseSchema,
  ReadStreamRequestSchema,
  ReadStreamResponseSchema,
  WrongExpectedRevisionSchema,
  type ReadStreamResponse,
} from "@annals/protocol";
import { startTestServer, type TestServer } from "./testing/test-server.js";

// A plain @grpc/grpc-js client: no Connect code at all, only protobuf-es for the bytes.
const method = <I extends DescMessage, O extends DescMessage>(name: string, input: I, output: O, responseStream = false) =>
  grpcJsMethod("annals.eventstore.v1.EventStore", name, input, output, responseStream);

const definition = {
  Append: method("Append", AppendRequestSchema, AppendResponseSchema),
  ReadStream: method("ReadStream", ReadStreamRequestSchema, ReadStreamResponseSchema, true),
  GetStream: method("GetStream", GetStreamRequestSchema, GetStreamResponseSchema),
};

type Unary = (request: unknown, callback: (error: grpc.ServiceError | null, response?: unknown) => void) => void;

describe("a plain @grpc/grpc-js client", () => {
  let server: TestServer;
  let client: grpc.Client & Record<string, unknown>;

  const unary = <T>(name: string, request: unknown) =>
    new Promise<T>((resolve, reject) => (client[name] as Unary).call(client, request, (error, response) => (error ? reject(error) : resolve(response as T))));

  beforeAll(async () => {
    server = await startTestServer();
    const Client = grpc.makeGenericClientConstructor(definition, "EventStore");
    client = new Client(`127.0.0.1:${server.server.port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, unknown>;
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  const appendRequest = (stream: string, count: number, expected?: "noStream" | bigint) =>
    create(AppendRequestSchema, {
      stream,
      events: Array.from({ length: count }, (_, index) => ({ id: randomUUID(), type: "test.Happened", data: new Uint8Array([index]) })),
      expectedRevision:
        expected === undefined ? undefined : expected === "noStream" ? { kind: { case: "noStream", value: {} } } : { kind: { case: "exact", value: expected } },
    });

  it("appends and answers the revision and position", async () => {
    const stream = `grpcjs-${randomUUID()}`;
    const response = await unary<{ revision: bigint; position: bigint }>("Append", appendRequest(stream, 3, "noStream"));
    expect(response.revision).toBe(2n);
    expect(response.position).toBeGreaterThanOrEqual(3n);
    const state = await unary<{ exists: boolean; lastRevision: bigint; eventCount: bigint }>("GetStream", { $typeName: GetStreamRequestSchema.typeName, stream });
    expect(state).toMatchObject({ exists: true, lastRevision: 2n, eventCount: 3n });
  });

  it("reads a stream as a server stream", async () => {
    const stream = `grpcjs-${randomUUID()}`;
    await unary("Append", appendRequest(stream, 5));
    const call = (client["ReadStream"] as (request: unknown) => grpc.ClientReadableStream<ReadStreamResponse>).call(
      client,
      create(ReadStreamRequestSchema, { stream }),
    );
    const revisions: bigint[] = [];
    for await (const response of call) revisions.push(...(response as ReadStreamResponse).events.map((event) => event.revision));
    expect(revisions).toEqual([0n, 1n, 2n, 3n, 4n]);
  });

  it("gets FAILED_PRECONDITION with a WrongExpectedRevision detail on a conflict", async () => {
    const stream = `grpcjs-${randomUUID()}`;
    await unary("Append", appendRequest(stream, 2));
    const error = (await unary("Append", appendRequest(stream, 1, 0n)).catch((caught: unknown) => caught)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
    // Connect percent-encodes grpc-message fully; grpc-js leaves reserved characters encoded.
    expect(decodeURIComponent(error.details)).toContain("expected 0, actual 1");
    // grpc-status-details-bin carries a google.rpc.Status whose details hold our message.
    const [statusBytes] = error.metadata.get("grpc-status-details-bin") as Buffer[];
    expect(statusBytes).toBeDefined();
    expect(Buffer.from(statusBytes!).includes(Buffer.from(WrongExpectedRevisionSchema.typeName))).toBe(true);
  });

  it("gets INVALID_ARGUMENT for a bad stream name", async () => {
    const error = (await unary("Append", appendRequest("", 1)).catch((caught: unknown) => caught)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
