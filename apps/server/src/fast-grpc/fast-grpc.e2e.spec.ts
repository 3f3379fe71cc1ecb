import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  AppendRequestSchema,
  AppendResponseSchema,
  EventStore,
  InvalidFieldSchema,
  WrongExpectedRevisionSchema,
} from "@annals/protocol";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const event = () => ({ id: randomUUID(), type: "test.Happened", data: new Uint8Array([1]) });

interface Side {
  test: TestServer;
  logs: Array<Record<string, unknown>>;
  client: ReturnType<typeof createClient<typeof EventStore>>;
  raw: grpc.Client;
}

async function startSide(grpcFastPath: boolean): Promise<Side> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const test = await startTestServer({ server: { grpcFastPath, readMaxBytes: 64 * 1024, logger: pino({ level: "info" }, sink) } });
  const client = createClient(EventStore, createGrpcTransport({ baseUrl: test.url }));
  const raw = new grpc.Client(`127.0.0.1:${test.server.port}`, grpc.credentials.createInsecure());
  return { test, logs, client, raw };
}

/** What a client can observe of one failed or successful call. */
async function outcome(call: Promise<unknown>) {
  try {
    await call;
    return { code: "OK" };
  } catch (caught) {
    const error = ConnectError.from(caught);
    return {
      code: Code[error.code],
      message: error.rawMessage,
      wrongRevision: error.findDetails(WrongExpectedRevisionSchema),
      invalidField: error.findDetails(InvalidFieldSchema),
    };
  }
}

/** A plain grpc-js unary call: the status, message and raw details trailer. */
function rawAppend(side: Side, request: Uint8Array, metadata = new grpc.Metadata()) {
  return new Promise<{ code: number; details: string; detailsBin: Buffer | undefined; requestId: unknown }>((resolve) => {
    let requestId: unknown;
    const call = side.raw.makeUnaryRequest(
      "/annals.eventstore.v1.EventStore/Append",
      (bytes: Uint8Array) => Buffer.from(bytes),
      (bytes: Buffer) => fromBinary(AppendResponseSchema, bytes),
      request,
      metadata,
      (error) => {
        requestId ??= error?.metadata.get("x-request-id")[0];
        resolve({
          code: error?.code ?? 0,
          details: error?.details ?? "",
          detailsBin: error?.metadata.get("grpc-status-details-bin")[0] as Buffer | undefined,
          requestId,
        });
      },
    );
    call.on("metadata", (headers) => (requestId = headers.get("x-request-id")[0]));
    call.on("status", (status) => (requestId ??= status.metadata.get("x-request-id")[0]));
  });
}

const appendBytes = (init: MessageInitShape<typeof AppendRequestSchema>) => toBinary(AppendRequestSchema, create(AppendRequestSchema, init));

describe("the fast gRPC path answers exactly as the Connect adapter", () => {
  let off: Side;
  let on: Side;

  beforeAll(async () => {
    [off, on] = await Promise.all([startSide(false), startSide(true)]);
  });
  afterAll(async () => {
    for (const side of [off, on]) {
      side.raw.close();
      await side.test.stop();
    }
  });

  /** Runs `scenario` against both servers (the same stream names on each) and returns both results. */
  async function both<T>(scenario: (side: Side) => Promise<T>): Promise<[T, T]> {
    return [await scenario(off), await scenario(on)];
  }

  it("appends, then refuses a wrong expected revision with the same code, message and WrongExpectedRevision detail", async () => {
    const stream = `same-${randomUUID()}`;
    const [a, b] = await both(async (side) => {
      const first = await side.client.append({ stream, events: [event()] });
      const conflict = await outcome(side.client.append({ stream, events: [event()], expectedRevision: { kind: { case: "noStream", value: {} } } }));
      return { first: { revision: first.revision, position: first.position }, conflict };
    });
    expect(b).toEqual(a);
    expect(b.conflict.code).toBe("FailedPrecondition");
    expect(b.conflict.wrongRevision).toHaveLength(1);
    expect(b.conflict.wrongRevision?.[0]).toMatchObject({ stream, actualRevision: 0n });
  });

  it("answers validation errors with the same code, message and InvalidField detail", async () => {
    const requests: Array<MessageInitShape<typeof AppendRequestSchema>> = [
      { stream: "", events: [event()] },
      { stream: "a\nb", events: [event()] },
      { stream: `empty-${randomUUID()}`, events: [] },
      { stream: `type-${randomUUID()}`, events: [{ ...event(), type: "" }] },
    ];
    for (const request of requests) {
      const [a, b] = await both((side) => outcome(side.client.append(request)));
      expect(b).toEqual(a);
      expect(b.code).toBe("InvalidArgument");
      expect(b.invalidField).toHaveLength(1);
    }
  });

  it("refuses an oversized message with RESOURCE_EXHAUSTED and the same message", async () => {
    const big = { stream: `big-${randomUUID()}`, events: [{ ...event(), data: new Uint8Array(100 * 1024) }] };
    const [a, b] = await both(async (side) => {
      const refused = await outcome(side.client.append(big));
      // The connection is still good afterwards.
      const after = await outcome(side.client.append({ stream: `after-${randomUUID()}`, events: [event()] }));
      return { refused, after };
    });
    expect(b).toEqual(a);
    expect(b.refused.code).toBe("ResourceExhausted");
    expect(b.after.code).toBe("OK");
  });

  it("puts the same bytes on the wire for grpc-js: status, percent-encoded message, grpc-status-details-bin", async () => {
    const stream = `wire-${randomUUID()}`;
    const [a, b] = await both(async (side) => {
      const id = `rid-${randomUUID()}`;
      const metadata = new grpc.Metadata();
      metadata.set("x-request-id", id);
      const ok = await rawAppend(side, appendBytes({ stream, events: [event()] }), metadata);
      const conflict = await rawAppend(side, appendBytes({ stream: `${stream}`, events: [event()], expectedRevision: { kind: { case: "exact", value: 7n } } }), metadata);
      const invalid = await rawAppend(side, appendBytes({ stream: "ünïcode\n%", events: [event()] }), metadata);
      const garbage = await rawAppend(side, new Uint8Array([0xff, 0xff, 0xff]));
      return { ok, conflict, invalid, garbage, id };
    });
    for (const key of ["ok", "conflict", "invalid", "garbage"] as const) {
      expect({ ...b[key], requestId: undefined }).toEqual({ ...a[key], requestId: undefined });
    }
    expect(b.conflict.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(b.conflict.detailsBin).toBeInstanceOf(Buffer);
    for (const [side, result] of [
      [off, a],
      [on, b],
    ] as const) {
      expect(result.ok.requestId, side === on ? "fast path" : "adapter").toBe(result.id);
      expect(result.conflict.requestId).toBe(result.id);
    }
  });

  it("writes one log line per call with the request id, and counts the calls by method and code", async () => {
    const stream = `logged-${randomUUID()}`;
    const [a, b] = await both(async (side) => {
      side.logs.length = 0;
      const id = `log-${randomUUID()}`;
      const headers = { "x-request-id": id };
      await side.client.append({ stream, events: [event()] }, { headers });
      await outcome(side.client.append({ stream, events: [event()], expectedRevision: { kind: { case: "noStream", value: {} } } }, { headers }));
      await outcome(side.client.getStream({ stream: "" }, { headers }));
      const lines = side.logs
        .filter((line) => typeof line["rpc"] === "string")
        .map((line) => ({ requestId: line["requestId"], rpc: line["rpc"], code: line["code"], error: line["error"], level: line["level"] }));
      const text = await side.test.server.metrics.registry.metrics();
      const counted = text
        .split("\n")
        .filter((line) => line.startsWith("annals_rpc_requests_total") || line.startsWith("annals_rpc_errors_total"))
        .filter((line) => line.includes("EventStore") && !line.includes("_created"))
        .sort();
      return { lines: lines.map((line) => ({ ...line, requestId: line.requestId === id })), counted };
    });
    expect(b).toEqual(a);
    expect(b.lines).toHaveLength(3);
    expect(b.lines.every((line) => line.requestId)).toBe(true);
    expect(b.lines.map((line) => line.code)).toEqual(["OK", "FAILED_PRECONDITION", "INVALID_ARGUMENT"]);
  });

  it("leaves streaming calls and unknown methods to the Connect adapter", async () => {
    const stream = `streamed-${randomUUID()}`;
    const [a, b] = await both(async (side) => {
      await side.client.append({ stream, events: [event(), event()] });
      const read: bigint[] = [];
      for await (const response of side.client.readStream({ stream })) for (const item of response.events) read.push(item.revision);
      const unknown = await new Promise<number>((resolve) =>
        side.raw.makeUnaryRequest("/annals.eventstore.v1.EventStore/NoSuchMethod", (x: Uint8Array) => Buffer.from(x), (x: Buffer) => x, new Uint8Array(), (error) =>
          resolve(error?.code ?? 0),
        ),
      );
      return { read, unknown };
    });
    expect(b).toEqual(a);
    expect(b.read).toEqual([0n, 1n]);
    expect(b.unknown).toBe(grpc.status.UNIMPLEMENTED);
  });
});
