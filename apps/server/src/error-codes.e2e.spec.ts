import http2 from "node:http2";
import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { create, toBinary } from "@bufbuild/protobuf";
import { EventStore, ReadAllRequestSchema } from "@annals/protocol";
import { StoreUnavailableError } from "@annals/store";
import { startTestServer, type TestServer } from "./testing/test-server.js";

/**
 * The codes operators see for faults that are not the server's: unreadable
 * protobuf, clients that cancel or run out of time, a database that fails.
 */

type Logs = Array<Record<string, unknown>>;

async function startLogged(options: Parameters<typeof startTestServer>[0] = {}): Promise<{ test: TestServer; logs: Logs }> {
  const logs: Logs = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const test = await startTestServer({ ...options, server: { ...options.server, logger: pino({ level: "debug" }, sink) } });
  return { test, logs };
}

const codeNames = Object.fromEntries(Object.entries(grpc.status).map(([name, value]) => [String(value), name]));

/** The code in whatever form the protocol carries it: a grpc-status header or trailer, a gRPC-Web trailer frame, Connect JSON. */
function codeOf(grpcStatus: string | undefined, body: Buffer): string {
  const text = body.toString("latin1");
  const status = grpcStatus ?? /grpc-status: ?(\d+)/i.exec(text)?.[1];
  if (status !== undefined) return codeNames[status] ?? status;
  return (/"code"\s*:\s*"([a-z_]+)"/.exec(text)?.[1] ?? "NONE").toUpperCase();
}

function envelope(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

async function overHttp2(url: string, path: string, contentType: string, body: Buffer): Promise<string> {
  const session = http2.connect(url);
  try {
    return await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": contentType, te: "trailers", "connect-protocol-version": "1" });
      let grpcStatus: string | undefined;
      const chunks: Buffer[] = [];
      stream.on("response", (headers) => (grpcStatus = headers["grpc-status"] as string | undefined));
      stream.on("trailers", (trailers) => (grpcStatus = (trailers["grpc-status"] as string | undefined) ?? grpcStatus));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.on("close", () => resolve(codeOf(grpcStatus, Buffer.concat(chunks))));
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

async function overHttp1(url: string, path: string, contentType: string, body: Buffer): Promise<string> {
  const response = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": contentType, "connect-protocol-version": "1" }, body });
  return codeOf(response.headers.get("grpc-status") ?? undefined, Buffer.from(await response.arrayBuffer()));
}

describe("codes that tell operators the truth", () => {
  let fast: { test: TestServer; logs: Logs };
  let adapter: { test: TestServer; logs: Logs };

  beforeAll(async () => {
    fast = await startLogged();
    adapter = await startLogged({ server: { grpcFastPath: false } });
    // Enough history (16 MiB) that a ReadAll is still streaming when its client gives up.
    const data = new Uint8Array(4096);
    for (let append = 0; append < 8; append++) {
      await fast.test.store.appendToStream(`history-${append}`, Array.from({ length: 500 }, () => ({ type: "test.History", data })));
    }
  });
  afterAll(async () => {
    await fast?.test.stop();
    await adapter?.test.stop();
  });

  // A length-delimited field that promises 5 bytes and carries 1.
  const unreadable = Buffer.from([0x0a, 0x05, 0x61]);
  const getStream = "/annals.eventstore.v1.EventStore/GetStream";
  const readAll = "/annals.eventstore.v1.EventStore/ReadAll";

  it("unreadable protobuf answers INVALID_ARGUMENT on every path", async () => {
    const answers = {
      "gRPC unary, fast path": await overHttp2(fast.test.url, getStream, "application/grpc", envelope(unreadable)),
      "gRPC unary, Connect adapter": await overHttp2(adapter.test.url, getStream, "application/grpc", envelope(unreadable)),
      "gRPC server stream": await overHttp2(fast.test.url, readAll, "application/grpc", envelope(unreadable)),
      "gRPC-Web unary, HTTP/2": await overHttp2(fast.test.url, getStream, "application/grpc-web+proto", envelope(unreadable)),
      "gRPC-Web unary, HTTP/1.1": await overHttp1(fast.test.url, getStream, "application/grpc-web+proto", envelope(unreadable)),
      "Connect unary, HTTP/2": await overHttp2(fast.test.url, getStream, "application/proto", unreadable),
      "Connect unary, HTTP/1.1": await overHttp1(fast.test.url, getStream, "application/proto", unreadable),
      "Connect server stream, HTTP/1.1": await overHttp1(fast.test.url, readAll, "application/connect+proto", envelope(unreadable)),
    };
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((path) => [path, "INVALID_ARGUMENT"])));
  });

  it("a client that cancels a ReadAll, or whose deadline passes, is counted and logged as CANCELLED / DEADLINE_EXCEEDED, not as an error", async () => {
    const client = new grpc.Client(`127.0.0.1:${fast.test.server.port}`, grpc.credentials.createInsecure());
    const request = toBinary(ReadAllRequestSchema, create(ReadAllRequestSchema, {}));
    const serialize = (message: Uint8Array) => Buffer.from(message);
    const deserialize = (bytes: Buffer) => bytes;
    const ended = (call: grpc.ClientReadableStream<Buffer>) => new Promise<number>((resolve) => call.on("status", (status: grpc.StatusObject) => resolve(status.code)));
    fast.logs.length = 0;
    try {
      for (let round = 0; round < 5; round++) {
        // Cancelled by the client as soon as the first batch arrives.
        const cancelled = client.makeServerStreamRequest(readAll, serialize, deserialize, request);
        cancelled.on("error", () => undefined);
        cancelled.once("data", () => cancelled.cancel());
        // A slow reader: paused after the first batch, until its deadline passes.
        const late = client.makeServerStreamRequest(readAll, serialize, deserialize, request, new grpc.Metadata(), { deadline: Date.now() + 300 });
        late.on("error", () => undefined);
        late.once("data", () => late.pause());
        expect(await Promise.all([ended(cancelled), ended(late)])).toEqual([grpc.status.CANCELLED, grpc.status.DEADLINE_EXCEEDED]);
      }
    } finally {
      client.close();
    }
    const counted = async (code: string) => {
      const metric = await fast.test.server.metrics.registry.getSingleMetric("annals_rpc_requests_total")!.get();
      return metric.values.filter((value) => value.labels["method"] === "ReadAll" && value.labels["code"] === code).reduce((sum, value) => sum + value.value, 0);
    };
    // The server learns of the end a moment after the client.
    for (let wait = 0; wait < 50 && (await counted("CANCELLED")) + (await counted("DEADLINE_EXCEEDED")) < 10; wait++) await new Promise((resolve) => setTimeout(resolve, 100));
    // A client at its deadline resets the stream (CANCEL) as the server's own timer runs out: on a
    // loaded machine the reset can win by more than the slack, and the call counts as CANCELLED.
    const cancelled = await counted("CANCELLED");
    const deadline = await counted("DEADLINE_EXCEEDED");
    expect({ ended: cancelled + deadline, internal: await counted("INTERNAL") }).toEqual({ ended: 10, internal: 0 });
    expect(cancelled).toBeGreaterThanOrEqual(5);
    const readAllLines = fast.logs.filter((line) => line["rpc"] === "annals.eventstore.v1.EventStore/ReadAll");
    expect(readAllLines.filter((line) => line["code"] === "CANCELLED" || line["code"] === "DEADLINE_EXCEEDED")).toHaveLength(10);
    expect(readAllLines.filter((line) => line["code"] === "DEADLINE_EXCEEDED").length).toBe(deadline);
    // Below error level (pino: 50), and no "unexpected error" line.
    expect(fast.logs.filter((line) => (line["level"] as number) >= 50)).toEqual([]);
  });

  it("a database error answers UNAVAILABLE in plain words; its own text goes to the log only", async () => {
    const driverText = "ROLLBACK - Client has encountered a connection error and is not queryable";
    const { test, logs } = await startLogged({
      wrapStore: (store) =>
        Object.assign(Object.create(store) as typeof store, {
          getStream: () => Promise.reject(new StoreUnavailableError(`database unavailable: ${driverText}`, { cause: new Error(driverText) })),
        }),
    });
    try {
      const client = createClient(EventStore, createGrpcTransport({ baseUrl: test.url }));
      const error = await client.getStream({ stream: "any" }).then(
        () => undefined,
        (caught: unknown) => ConnectError.from(caught),
      );
      expect(error?.code).toBe(Code.Unavailable);
      expect(error?.rawMessage).toBe("the database is unavailable: retry later");
      expect(error?.rawMessage).not.toContain("ROLLBACK");
      const line = logs.find((entry) => entry["rpc"] === "annals.eventstore.v1.EventStore/GetStream");
      expect(line?.["code"]).toBe("UNAVAILABLE");
      expect(String(line?.["cause"])).toContain(driverText);
    } finally {
      await test.stop();
    }
  });
});
