import http2 from "node:http2";
import { beforeAll, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { ReadAllRequestSchema, ReadStreamRequestSchema } from "@annals/protocol";
import { useServersOnBothPaths, type UnaryPath } from "../testing/both-paths.js";
import type { TestServer } from "../testing/test-server.js";

/**
 * ReadStream and ReadAll on the fast gRPC path and on the Connect adapter: served
 * under flow control (a reader that stops holds the server to a window's worth, not
 * the read), released when the client cancels, and refused alike when unreadable.
 */
describe("server-streaming reads on both paths", () => {
  const servers = useServersOnBothPaths();
  const paths: UnaryPath[] = ["fast", "adapter"];
  // 15,000 events of 2 KiB: 30 MiB, far more than any flow-control window.
  const eventCount = 15_000;
  const stream = "flow-controlled";
  beforeAll(async () => {
    for (const path of paths) {
      for (let index = 0; index < eventCount / 1_000; index += 1) {
        await servers[path]!.store.appendToStream(stream, Array.from({ length: 1_000 }, () => ({ type: "t.Filled", data: new Uint8Array(2_048).fill(7) })));
      }
    }
  }, 60_000);

  const envelope = (message: Uint8Array) => {
    const out = Buffer.alloc(5 + message.length);
    out.writeUInt32BE(message.length, 1);
    out.set(message, 5);
    return out;
  };
  const readAllFromStart = envelope(toBinary(ReadAllRequestSchema, create(ReadAllRequestSchema, { from: { case: "start", value: {} } })));

  interface RawCall {
    session: http2.ClientHttp2Session;
    request: http2.ClientHttp2Stream;
    headers: Promise<http2.IncomingHttpHeaders>;
    /** The status and message at the end, and the bytes of the body. */
    ended: Promise<{ status: string | undefined; message: string | undefined; bodyBytes: number }>;
  }

  function rawCall(server: TestServer, method: string, body: Buffer, extraHeaders: Record<string, string> = {}): RawCall {
    const session = http2.connect(server.url);
    const request = session.request({ ":method": "POST", ":path": `/annals.eventstore.v1.EventStore/${method}`, "content-type": "application/grpc", te: "trailers", ...extraHeaders });
    request.on("error", () => undefined);
    const headers = new Promise<http2.IncomingHttpHeaders>((resolve) => request.once("response", resolve));
    let status: string | undefined;
    let message: string | undefined;
    let bodyBytes = 0;
    request.on("response", (response) => {
      status ??= response["grpc-status"] as string | undefined;
      message ??= response["grpc-message"] as string | undefined;
    });
    request.on("trailers", (trailers) => {
      status ??= trailers["grpc-status"] as string | undefined;
      message ??= trailers["grpc-message"] as string | undefined;
    });
    request.on("data", (chunk: Buffer) => (bodyBytes += chunk.length));
    const ended = new Promise<{ status: string | undefined; message: string | undefined; bodyBytes: number }>((resolve) =>
      request.on("close", () => resolve({ status, message, bodyBytes })),
    );
    request.end(body);
    return { session, request, headers, ended };
  }

  const sample = async (server: TestServer, name: string, labels: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${name}{`) && candidate.includes(labels));
    return line === undefined ? 0 : Number(line.split(" ").pop());
  };

  for (const path of paths) {
    it(`${path}: a reader that stops mid-ReadAll holds the server to a bounded buffer; once it reads on, it gets every event, OK and the request id`, async () => {
      const server = servers[path]!;
      const before = process.memoryUsage().arrayBuffers;
      const call = rawCall(server, "ReadAll", readAllFromStart, { "x-request-id": `slow-reader-${path}` });
      try {
        const headers = await call.headers;
        call.request.pause();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const grown = process.memoryUsage().arrayBuffers - before;
        // Without flow control the server would have queued the whole 30 MiB read by now.
        expect(grown).toBeLessThan(10 * 1024 * 1024);
        call.request.resume();
        const end = await call.ended;
        expect(headers["x-request-id"]).toBe(`slow-reader-${path}`);
        expect(end.status).toBe("0");
        expect(end.bodyBytes).toBeGreaterThan(eventCount * 2_048);
      } finally {
        call.session.destroy();
      }
    }, 30_000);

    it(`${path}: a client that cancels a read stalled on flow control releases the call: in flight back to 0, counted CANCELLED`, async () => {
      const server = servers[path]!;
      const labels = `method="ReadAll",code="CANCELLED"`;
      const cancelledBefore = await sample(server, "annals_rpc_requests_total", labels);
      const call = rawCall(server, "ReadAll", readAllFromStart);
      try {
        await call.headers;
        call.request.pause();
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await sample(server, "annals_rpc_in_flight", `method="ReadAll"`)).toBe(1);
        call.request.close(http2.constants.NGHTTP2_CANCEL);
        await call.ended;
        const deadline = Date.now() + 5_000;
        while ((await sample(server, "annals_rpc_in_flight", `method="ReadAll"`)) !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await sample(server, "annals_rpc_in_flight", `method="ReadAll"`)).toBe(0);
        expect(await sample(server, "annals_rpc_requests_total", labels)).toBe(cancelledBefore + 1);
      } finally {
        call.session.destroy();
      }
    }, 30_000);
  }

  it("an unreadable, a missing, a doubled and an oversized ReadStream request get the same status and message on both paths", async () => {
    const request = envelope(toBinary(ReadStreamRequestSchema, create(ReadStreamRequestSchema, { stream, from: { case: "end", value: {} } })));
    const bodies: Record<string, Buffer> = {
      unreadable: envelope(Buffer.from([0x0a, 0x05, 0x61])),
      missing: Buffer.alloc(0),
      doubled: Buffer.concat([request, request]),
      partial: request.subarray(0, request.length - 1),
      compressed: Buffer.concat([Buffer.from([1]), request.subarray(1)]),
      oversized: (() => {
        const head = Buffer.alloc(5);
        head.writeUInt32BE(0x7fffffff, 1);
        return head;
      })(),
      ok: request,
    };
    for (const [name, body] of Object.entries(bodies)) {
      const answers = [];
      for (const path of paths) {
        const call = rawCall(servers[path]!, "ReadStream", body);
        try {
          const end = await call.ended;
          answers.push({ status: end.status, message: end.message });
        } finally {
          call.session.destroy();
        }
      }
      expect(answers[0], name).toEqual(answers[1]);
      expect(answers[0]!.status, name).toBe(name === "ok" ? "0" : answers[0]!.status);
    }
  });
});
