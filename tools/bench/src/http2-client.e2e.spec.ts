import http2 from "node:http2";
import net, { type AddressInfo } from "node:net";
import HPACK from "hpack";
import { afterEach, describe, expect, it } from "vitest";
import { connectGrpc, grpcFrame } from "./grpc-load.js";
import { connectHttp2, requestHeaderBlock, type Header, type Http2Client, type Outcome } from "./http2-client.js";

/** The load generator's HTTP/2 client against `node:http2`'s server (nghttp2) on a real port. */

const servers: http2.Http2Server[] = [];
const clients: Http2Client[] = [];
const peers: net.Server[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy("test over");
  for (const server of [...servers.splice(0), ...peers.splice(0)]) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function serve(handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, settings: http2.Settings = {}): Promise<number> {
  const server = http2.createServer({ settings });
  server.on("stream", handler);
  server.on("session", (session) => server.once("close", () => session.destroy()));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * A bare HTTP/2 peer that grants each stream `window` bytes at a time (and the
 * connection as much), a moment after the bytes granted before arrived, and records
 * every DATA frame that goes beyond what it granted. It answers each request, once its
 * body is complete, with trailers carrying the body's length.
 */
async function strictPeer(window: number): Promise<{ port: number; overruns: string[] }> {
  const overruns: string[] = [];
  const server = net.createServer((socket) => {
    const encoder = new HPACK();
    const frame = (type: number, flags: number, id: number, payload: Buffer) => {
      const head = Buffer.alloc(9);
      head.writeUIntBE(payload.length, 0, 3);
      head[3] = type;
      head[4] = flags;
      head.writeUInt32BE(id, 5);
      socket.write(Buffer.concat([head, payload]));
    };
    const grant = (id: number, bytes: number) => {
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(bytes);
      setTimeout(() => frame(8, 0, id, payload), 5);
    };
    const streams = new Map<number, { received: number; granted: number }>();
    let connection = { received: 0, granted: 65_535 };
    let buffer = Buffer.alloc(0);
    let prefaceSeen = false;
    const settings = Buffer.alloc(6);
    settings.writeUInt16BE(4, 0);
    settings.writeUInt32BE(window, 2);
    frame(4, 0, 0, settings);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!prefaceSeen) {
        if (buffer.length < 24) return;
        buffer = buffer.subarray(24);
        prefaceSeen = true;
      }
      while (buffer.length >= 9 && buffer.length >= 9 + buffer.readUIntBE(0, 3)) {
        const length = buffer.readUIntBE(0, 3);
        const [type, flags, id] = [buffer[3]!, buffer[4]!, buffer.readUInt32BE(5)];
        buffer = buffer.subarray(9 + length);
        if (type === 4 && !(flags & 1)) frame(4, 1, 0, Buffer.alloc(0));
        if (type === 1) streams.set(id, { received: 0, granted: window });
        if (type !== 0) continue;
        const stream = streams.get(id)!;
        stream.received += length;
        connection.received += length;
        if (stream.received > stream.granted) overruns.push(`stream ${id}: ${stream.received} bytes, ${stream.granted} granted`);
        if (connection.received > connection.granted) overruns.push(`connection: ${connection.received} bytes, ${connection.granted} granted`);
        if (stream.received >= stream.granted) {
          stream.granted += window;
          grant(id, window);
        }
        if (connection.received >= connection.granted) {
          connection = { ...connection, granted: connection.granted + window };
          grant(0, window);
        }
        if (flags & 1) frame(1, 5, id, encoder.encode([[":status", "200"], ["grpc-status", "0"], ["x-length", String(stream.received)]]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  peers.push(server);
  return { port: (server.address() as AddressInfo).port, overruns };
}

async function client(port: number): Promise<Http2Client> {
  const connected = await connectHttp2("127.0.0.1", port);
  clients.push(connected);
  return connected;
}

const call = (connection: Http2Client, block: Buffer, body: Buffer) => new Promise<Outcome>((resolve) => connection.request(block, body, resolve));

const trailer = (outcome: Outcome, name: string) => ("trailers" in outcome ? outcome.trailers.find(([key]) => key === name)?.[1] : undefined);

/** Reads the whole request body, then answers with its length, last byte and request headers in the trailers. */
function echoLength(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const parts: Buffer[] = [];
  stream.on("data", (part: Buffer) => parts.push(part));
  stream.on("end", () => {
    const body = Buffer.concat(parts);
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () =>
      stream.sendTrailers({
        "grpc-status": "0",
        "x-length": String(body.length),
        "x-last-byte": String(body.at(-1) ?? -1),
        "x-path": String(headers[":path"]),
        "x-auth": String(headers.authorization ?? ""),
        // A value per call: the server's encoder indexes them, evicting older ones.
        "x-call": String(headers["x-call"] ?? ""),
      }),
    );
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

const headers = (port: number, extra: Header[] = []): Header[] => [
  [":method", "POST"],
  [":scheme", "http"],
  [":authority", `127.0.0.1:${port}`],
  [":path", "/test.v1.Echo/Call"],
  ["content-type", "application/grpc+proto"],
  ["te", "trailers"],
  ...extra,
];

describe("http2-client", () => {
  it("sends its header block and body as sent, and decodes the trailers of many calls in flight", async () => {
    const port = await serve(echoLength);
    const connection = await client(port);
    const outcomes = await Promise.all(
      Array.from({ length: 500 }, (_, index) => call(connection, requestHeaderBlock(headers(port, [["authorization", "Bearer k"], ["x-call", `call-${index}-${"x".repeat(index % 200)}`]])), Buffer.from([1, 2, index % 256]))),
    );
    outcomes.forEach((outcome, index) => {
      expect(trailer(outcome, "grpc-status")).toBe("0");
      expect(trailer(outcome, "x-length")).toBe("3");
      expect(trailer(outcome, "x-last-byte")).toBe(String(index % 256));
      expect(trailer(outcome, "x-path")).toBe("/test.v1.Echo/Call");
      expect(trailer(outcome, "x-auth")).toBe("Bearer k");
      expect(trailer(outcome, "x-call")).toBe(`call-${index}-${"x".repeat(index % 200)}`);
    });
  });

  it("sends bodies larger than the server's windows and frames, waiting for its window updates", async () => {
    // Windows of 1,000 bytes per stream; the connection's stays at 65,535 until the server updates it.
    const port = await serve(echoLength, { initialWindowSize: 1_000, maxFrameSize: 16_384 });
    const connection = await client(port);
    const block = requestHeaderBlock(headers(port));
    const sizes = [0, 16_384, 16_385, 65_535, 65_536, 300_000, 1_000_000];
    const outcomes = await Promise.all(sizes.map((size) => call(connection, block, Buffer.alloc(size, size % 251))));
    outcomes.forEach((outcome, index) => {
      expect(trailer(outcome, "x-length")).toBe(String(sizes[index]));
      expect(trailer(outcome, "x-last-byte")).toBe(sizes[index] === 0 ? "-1" : String(sizes[index]! % 251));
    });
  });

  it("never sends more than the peer's stream and connection windows allow", async () => {
    const peer = await strictPeer(4_000);
    const connection = await client(peer.port);
    const block = requestHeaderBlock(headers(peer.port));
    const sizes = [10, 3_999, 4_000, 4_001, 20_000, 70_000, 150_000];
    const outcomes = await Promise.all(sizes.map((size) => call(connection, block, Buffer.alloc(size, 7))));
    expect(outcomes.map((outcome) => trailer(outcome, "x-length"))).toEqual(sizes.map(String));
    expect(peer.overruns).toEqual([]);
  });

  it("ends a call without trailers, a reset stream and a closed connection with an error instead of hanging", async () => {
    const port = await serve((stream, incoming) => {
      stream.resume();
      stream.on("end", () => {
        if (incoming[":path"] === "/reset") stream.close(http2.constants.NGHTTP2_CANCEL);
        else if (incoming[":path"] === "/missing") stream.respond({ ":status": 404 }, { endStream: true });
        else if (incoming[":path"] === "/plain") {
          stream.respond({ ":status": 200 });
          stream.end("no trailers");
        } else stream.session?.destroy();
      });
    });
    const connection = await client(port);
    const to = (path: string) => call(connection, requestHeaderBlock(headers(port).map(([name, value]): Header => [name, name === ":path" ? path : value])), Buffer.from("x"));
    expect(await to("/reset")).toEqual({ error: `RST_STREAM ${http2.constants.NGHTTP2_CANCEL}` });
    expect(trailer(await to("/missing"), ":status")).toBe("404");
    expect(await to("/plain")).toEqual({ error: "HTTP 200, the stream ended without trailers" });
    const dropped = await to("/drop");
    expect("error" in dropped && dropped.error).toMatch(/transport/);
    // Calls after the connection is gone fail at once.
    expect(await to("/reset")).toHaveProperty("error");
  });

  it("drives a gRPC load and reports the statuses and messages of failed calls", async () => {
    const port = await serve((stream, incoming) => {
      stream.resume();
      stream.on("end", () => {
        const fail = incoming[":path"] === "/fail";
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers(fail ? { "grpc-status": "3", "grpc-message": encodeURIComponent("bad stream: é") } : { "grpc-status": "0" }));
        stream.end(fail ? undefined : grpcFrame(new Uint8Array([8, 1])));
      });
    });
    const grpc = await connectGrpc(port);
    try {
      const frames = Array.from({ length: 2_000 }, () => grpcFrame(new Uint8Array([10, 1, 97])));
      const ok = await grpc.drive("/ok", frames, 64, Number.POSITIVE_INFINITY, 30_000);
      expect(ok).toMatchObject({ calls: 2_000, failures: 0 });
      expect(ok.latenciesMs).toHaveLength(2_000);
      const failed = await grpc.drive("/fail", frames.slice(0, 10), 4, Number.POSITIVE_INFINITY, 30_000);
      expect(failed).toMatchObject({ calls: 10, failures: 10, firstFailure: "3 bad stream: é" });
    } finally {
      await grpc.close();
    }
  });
});
