import { getEventListeners } from "node:events";
import http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  EventStore,
  GetSchemasResponseSchema,
  GetStreamResponseSchema,
  ReadStreamResponseSchema,
  RecordedEventSchema,
  StreamNotFoundSchema,
} from "@annals/protocol";
import { createHttp2GrpcTransport } from "./grpc-transport.js";
import { createAnnalsClient, type AnnalsClient } from "./index.js";
import { WindowedSessionManager } from "./session-manager.js";

/**
 * The transport against a bare HTTP/2 server whose answers each test writes by
 * hand, byte for byte: the edges a well-behaved server never shows.
 */

const { constants } = http2;
type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;

function envelope(bytes: Uint8Array, flags = 0): Buffer {
  const framed = Buffer.alloc(5 + bytes.length);
  framed[0] = flags;
  framed.writeUInt32BE(bytes.length, 1);
  framed.set(bytes, 5);
  return framed;
}

const ok = { ":status": 200, "content-type": "application/grpc+proto" };

function nodeHeaders(headers: Headers): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  headers.forEach((value, key) => (out[key] = value));
  return out;
}

/** Resolves when the server's side of the stream closes, with the code of the reset that closed it (0: none). */
function closed(stream: http2.ServerHttp2Stream): Promise<number> {
  return new Promise((resolve) => stream.once("close", () => resolve(stream.rstCode)));
}

function recordedEvent(revision: bigint, size: number) {
  return create(RecordedEventSchema, { id: "00000000-0000-4000-8000-000000000000", type: "t", data: new Uint8Array(size).fill(7), stream: "s", revision, position: revision + 1n });
}

let server: http2.Http2Server;
let baseUrl: string;
let handler: Handler;
let client: AnnalsClient;
const serverStreams: http2.ServerHttp2Stream[] = [];
/** The server's TCP connections, to cut one as a failing network would (Node forbids it through the session). */
const sockets: Socket[] = [];

beforeAll(async () => {
  server = http2.createServer();
  server.on("connection", (socket: Socket) => sockets.push(socket));
  server.on("stream", (stream, headers) => {
    serverStreams.push(stream);
    stream.on("error", () => undefined);
    handler(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const stream of serverStreams) stream.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  client?.close();
  client = createAnnalsClient({ baseUrl });
});

describe("the HTTP/2 gRPC transport", () => {
  it("runs the interceptors in order, sends the deadline as grpc-timeout, and hands headers and trailers to the caller", async () => {
    let seen: http2.IncomingHttpHeaders = {};
    handler = (stream, headers) => {
      seen = headers;
      stream.respond({ ...ok, "x-head": "h" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-tail": "t" }));
      stream.end(envelope(toBinary(GetStreamResponseSchema, create(GetStreamResponseSchema, { exists: true, lastRevision: 4n }))));
    };
    const order: string[] = [];
    const tag =
      (name: string): Interceptor =>
      (next) =>
      async (request) => {
        order.push(`${name} in`);
        request.header.append("x-order", name);
        const response = await next(request);
        order.push(`${name} out`);
        return response;
      };
    client.close();
    client = createAnnalsClient({ baseUrl, token: "k", interceptors: [tag("a"), tag("b")] });
    let head: Headers | undefined;
    let tail: Headers | undefined;
    const response = await client.raw.getStream({ stream: "s" }, { timeoutMs: 5_000, onHeader: (h) => (head = h), onTrailer: (t) => (tail = t) });
    expect(response.lastRevision).toBe(4n);
    expect(order).toEqual(["a in", "b in", "b out", "a out"]);
    expect(seen["x-order"]).toBe("a, b");
    expect(seen.authorization).toBe("Bearer k");
    expect(seen["grpc-timeout"]).toBe("5000m");
    expect(seen[":path"]).toBe("/annals.eventstore.v1.EventStore/GetStream");
    expect(head?.get("x-head")).toBe("h");
    expect(tail?.get("x-tail")).toBe("t");
  });

  it("ends a call past its deadline with DEADLINE_EXCEEDED and resets its stream, so that the server stops", async () => {
    let serverClosed: Promise<number> | undefined;
    handler = (stream) => {
      serverClosed = closed(stream);
      stream.respond(ok);
    };
    const started = Date.now();
    const error = await client.raw.getStream({ stream: "s" }, { timeoutMs: 200 }).catch((caught: unknown) => caught);
    expect(ConnectError.from(error).code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await serverClosed).toBe(constants.NGHTTP2_CANCEL);
  });

  it("ends a unary call its caller aborts with CANCELED and resets its stream; ended calls leave no listener on the caller's signal", async () => {
    const controller = new AbortController();
    handler = (stream) => {
      stream.respond(ok, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(envelope(toBinary(GetStreamResponseSchema, create(GetStreamResponseSchema, { exists: true, lastRevision: 1n }))));
    };
    for (let call = 0; call < 20; call += 1) await client.raw.getStream({ stream: "s" }, { signal: controller.signal, timeoutMs: 5_000 });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);

    let serverClosed: Promise<number> | undefined;
    handler = (stream) => {
      serverClosed = closed(stream);
      stream.respond(ok);
      controller.abort();
    };
    const error = await client.raw.getStream({ stream: "s" }, { signal: controller.signal }).catch((caught: unknown) => caught);
    expect(ConnectError.from(error).code).toBe(Code.Canceled);
    expect(await serverClosed).toBe(constants.NGHTTP2_CANCEL);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    // Already aborted: the call fails at once, CANCELED.
    await expect(client.raw.getStream({ stream: "s" }, { signal: controller.signal })).rejects.toMatchObject({ code: Code.Canceled });
  });

  it("leaving a read early, or aborting it, resets the server's stream mid-way", async () => {
    const closings: Promise<number>[] = [];
    handler = (stream) => {
      closings.push(closed(stream));
      stream.respond(ok);
      // One message, then the server holds the stream open, as a long read would.
      stream.write(envelope(toBinary(ReadStreamResponseSchema, create(ReadStreamResponseSchema, { events: [recordedEvent(0n, 10)] }))));
    };
    for await (const event of client.readStream("s")) {
      expect(event.revision).toBe(0n);
      break;
    }
    expect(await closings[0]).toBe(constants.NGHTTP2_CANCEL);

    const controller = new AbortController();
    const read = (async () => {
      for await (const _ of client.readStream("s", { signal: controller.signal })) controller.abort();
    })();
    await expect(read).rejects.toMatchObject({ code: Code.Canceled });
    expect(await closings[1]).toBe(constants.NGHTTP2_CANCEL);
  });

  it("raises a trailers-only error with its code, percent-decoded message, details and metadata", async () => {
    const status = new Headers({ "x-why": "because" });
    const failure = new ConnectError("flux: état 100 %", Code.NotFound, undefined, [{ desc: StreamNotFoundSchema, value: { stream: "s-9" } }]);
    setTrailerStatus(status, failure);
    handler = (stream) => stream.respond({ ...ok, ...nodeHeaders(status) }, { endStream: true });
    for (const call of [() => client.raw.getStream({ stream: "s" }), () => client.raw.readStream({ stream: "s" })[Symbol.asyncIterator]().next()]) {
      const error = ConnectError.from(await call().catch((caught: unknown) => caught));
      expect(error.code).toBe(Code.NotFound);
      expect(error.rawMessage).toBe("flux: état 100 %");
      expect(error.findDetails(StreamNotFoundSchema)).toMatchObject([{ stream: "s-9" }]);
      expect(error.metadata.get("x-why")).toBe("because");
    }
    // The SDK's own calls turn the detail into their typed error.
    await expect(client.getStream("s")).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("reads messages larger than a frame, split anywhere across DATA chunks, and several in one chunk", async () => {
    const big = new Uint8Array(300_000).map((_, index) => index % 251);
    const schemas = envelope(toBinary(GetSchemasResponseSchema, create(GetSchemasResponseSchema, { fileDescriptorSet: big })));
    const page = (from: bigint) => envelope(toBinary(ReadStreamResponseSchema, create(ReadStreamResponseSchema, { events: [recordedEvent(from, 40_000), recordedEvent(from + 1n, 3)] })));
    const pages = Buffer.concat([page(0n), page(2n), page(4n)]);
    /** Writes `bytes` in pieces of odd sizes (the first three bytes alone: a split message header), a turn of the event loop apart. */
    const trickle = async (stream: http2.ServerHttp2Stream, bytes: Buffer) => {
      stream.respond(ok, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      let offset = 0;
      for (const size of [3, 1, 7_001]) {
        stream.write(bytes.subarray(offset, offset + size));
        offset += size;
        await new Promise((resolve) => setImmediate(resolve));
      }
      while (offset < bytes.length) {
        stream.write(bytes.subarray(offset, offset + 20_011));
        offset += 20_011;
        await new Promise((resolve) => setImmediate(resolve));
      }
      stream.end();
    };
    handler = (stream, headers) => void trickle(stream, headers[":path"]?.endsWith("GetSchemas") ? schemas : pages);
    const response = await client.raw.getSchemas({});
    expect(Buffer.from(response.fileDescriptorSet).equals(Buffer.from(big))).toBe(true);
    const revisions: bigint[] = [];
    for await (const event of client.readStream("s")) revisions.push(event.revision);
    expect(revisions).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
  });

  it("reads a server stream only as the consumer pulls: the receive window holds the server back", async () => {
    const message = envelope(toBinary(ReadStreamResponseSchema, create(ReadStreamResponseSchema, { events: [recordedEvent(0n, 64 * 1024)] })));
    const count = 256; // 16 MiB in all, far beyond the windows
    let written = 0;
    handler = (stream) => {
      stream.respond(ok, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      void (async () => {
        for (let index = 0; index < count; index += 1) {
          if (!stream.write(message)) await new Promise((resolve) => stream.once("drain", resolve));
          written += 1;
        }
        stream.end();
      })();
    };
    const iterator = client.raw.readStream({ stream: "s" })[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The stream's window (1 MiB), the connection's, Node's buffers on both sides: a few MiB at most, not 16.
    expect(written).toBeLessThan(count / 2);
    let received = 1;
    while (!(await iterator.next()).done) received += 1;
    expect(received).toBe(count);
  });

  it("maps HTTP errors, a missing status, and a lost connection as Connect's transport does", async () => {
    handler = (stream) => stream.respond({ ":status": 503 }, { endStream: true });
    expect(ConnectError.from(await client.raw.getStream({ stream: "s" }).catch((caught: unknown) => caught)).code).toBe(Code.Unavailable);

    handler = (stream) => {
      stream.respond(ok);
      stream.end(envelope(toBinary(GetStreamResponseSchema, create(GetStreamResponseSchema, { exists: true }))));
    };
    const missing = ConnectError.from(await client.raw.getStream({ stream: "s" }).catch((caught: unknown) => caught));
    expect(missing.code).toBe(Code.Internal);
    expect(missing.rawMessage).toMatch(/missing status/);

    handler = (stream) => {
      stream.respond(ok);
      stream.write(envelope(toBinary(ReadStreamResponseSchema, create(ReadStreamResponseSchema, { events: [recordedEvent(0n, 10)] }))));
      setTimeout(() => sockets.at(-1)?.destroy(), 20);
    };
    const read = (async () => {
      for await (const _ of client.readStream("s"));
    })();
    await expect(read).rejects.toMatchObject({ code: Code.Unavailable });
    // The client connects again for the next call.
    handler = (stream) => stream.respond({ ...ok, "grpc-status": "0" }, { endStream: true });
    expect(await collectAll(client.readStream("s"))).toEqual([]);
  });

  it("refuses a response message beyond readMaxBytes with RESOURCE_EXHAUSTED, and resets the stream", async () => {
    let serverClosed: Promise<number> | undefined;
    handler = (stream) => {
      serverClosed = closed(stream);
      stream.respond(ok);
      stream.write(envelope(toBinary(GetSchemasResponseSchema, create(GetSchemasResponseSchema, { fileDescriptorSet: new Uint8Array(200) }))));
    };
    const sessionManager = new WindowedSessionManager(baseUrl, {}, { streamBytes: 65_535, connectionBytes: 65_535 });
    const raw = createClient(EventStore, createHttp2GrpcTransport({ baseUrl, sessionManager, readMaxBytes: 100 }));
    const error = ConnectError.from(await raw.getSchemas({}).catch((caught: unknown) => caught));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(await serverClosed).not.toBe(0);
    sessionManager.abort();
  });
});

async function collectAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
