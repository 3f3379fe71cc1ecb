import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./testing/test-server.js";

/**
 * A subscription (or a read) whose deadline passes ends with DEADLINE_EXCEEDED,
 * not OK: OK would tell the client that the stream is complete, and a subscriber
 * would take the end of its deadline for the end of the log.
 */
describe("a streaming call whose deadline passes", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  /** The status at the end: grpc-status, or the Connect end-of-stream message. */
  async function call(contentType: string, timeoutHeaders: Record<string, string>, message: Buffer, options: { method?: string; pauseMs?: number } = {}): Promise<string> {
    const session = http2.connect(server.url);
    try {
      return await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": `/annals.eventstore.v1.EventStore/${options.method ?? "Subscribe"}`, "content-type": contentType, te: "trailers", "connect-protocol-version": "1", ...timeoutHeaders });
        let status: string | undefined;
        const chunks: Buffer[] = [];
        stream.on("response", (headers) => {
          status = headers["grpc-status"] as string | undefined;
          // A reader that stops reading for a while: the server waits on flow control past the deadline.
          if (options.pauseMs !== undefined) {
            stream.pause();
            setTimeout(() => stream.resume(), options.pauseMs);
          }
        });
        stream.on("trailers", (trailers) => (status ??= trailers["grpc-status"] as string | undefined));
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("error", reject);
        stream.on("close", () => {
          const body = Buffer.concat(chunks).toString("latin1");
          resolve(status ?? /grpc-status: ?(\d+)/.exec(body)?.[1] ?? /"code":"([a-z_]+)"/.exec(body)?.[1] ?? (body.endsWith("{}") ? "ok" : "none"));
        });
        const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
        stream.end(envelope);
      });
    } finally {
      session.destroy();
    }
  }

  // SubscribeRequest { all: {}, end: {} }: follows the live tail of $all from now.
  const followAll = Buffer.from([0x1a, 0x00, 0x2a, 0x00]);

  it("gRPC: DEADLINE_EXCEEDED (4)", async () => {
    expect(await call("application/grpc", { "grpc-timeout": "300m" }, followAll)).toBe("4");
  });
  it("gRPC-Web: DEADLINE_EXCEEDED (4)", async () => {
    expect(await call("application/grpc-web+proto", { "grpc-timeout": "300m" }, followAll)).toBe("4");
  });
  it("Connect: deadline_exceeded", async () => {
    expect(await call("application/connect+proto", { "connect-timeout-ms": "300" }, followAll)).toBe("deadline_exceeded");
  });

  describe("a read of the whole log, cut by its deadline while the client is not reading", () => {
    beforeAll(async () => {
      for (let index = 0; index < 2; index += 1) {
        await server.store.appendToStream("deadline-long", Array.from({ length: 10_000 }, () => ({ type: "t.Filled", data: new Uint8Array(100) })));
      }
    });
    // ReadAllRequest { from: start }: 20,000 events of 100 bytes, far more than a flow-control window.
    const readAllFromStart = Buffer.from([0x12, 0x00]);
    it("gRPC ReadAll: DEADLINE_EXCEEDED (4), never OK on a cut read", async () => {
      expect(await call("application/grpc", { "grpc-timeout": "300m" }, readAllFromStart, { method: "ReadAll", pauseMs: 1_000 })).toBe("4");
    });
    it("Connect ReadAll: deadline_exceeded", async () => {
      expect(await call("application/connect+proto", { "connect-timeout-ms": "300" }, readAllFromStart, { method: "ReadAll", pauseMs: 1_000 })).toBe("deadline_exceeded");
    });
    it("gRPC ReadStream: DEADLINE_EXCEEDED (4)", async () => {
      // ReadStreamRequest { stream: "deadline-long", from: start }
      const stream = Buffer.from("deadline-long");
      const request = Buffer.concat([Buffer.from([0x0a, stream.length]), stream, Buffer.from([0x1a, 0x00])]);
      expect(await call("application/grpc", { "grpc-timeout": "300m" }, request, { method: "ReadStream", pauseMs: 1_000 })).toBe("4");
    });
  });
});
