import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./testing/test-server.js";

/**
 * A streaming call whose first message is refused while its client is still
 * sending: the server answers, then resets the stream (RST_STREAM NO_ERROR), so
 * the client stops sending instead of blocking on flow control, and the
 * connection's window, shared with every other call on it, is not used up.
 */
describe("a request refused before its body is read", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  const envelope = (message: Buffer) => {
    const out = Buffer.alloc(5 + message.length);
    out.writeUInt32BE(message.length, 1);
    message.copy(out, 5);
    return out;
  };

  for (const [protocol, contentType] of [
    ["Connect", "application/connect+proto"],
    ["gRPC-Web", "application/grpc-web+proto"],
    ["gRPC", "application/grpc"],
  ] as const) {
    it(`${protocol}: a Subscribe with an unreadable first message is answered and reset; the client is not left blocked, the connection serves on`, async () => {
      const session = http2.connect(server.url);
      try {
        const stream = session.request({ ":method": "POST", ":path": "/annals.eventstore.v1.EventStore/Subscribe", "content-type": contentType, te: "trailers" });
        stream.on("error", () => undefined);
        // Node leaves a client stream reset during a pending write closed but never 'close'd.
        stream.on("aborted", () => setImmediate(() => stream.destroy()));
        let answered = "";
        stream.on("response", (headers) => (answered ||= String(headers["grpc-status"] ?? headers[":status"])));
        const closed = new Promise<number>((resolve) => stream.on("close", () => resolve(stream.rstCode)));
        // An unreadable first message, then the client goes on sending: 32 MiB, more than any window.
        stream.write(envelope(Buffer.from([0x0a, 0x05, 0x61])));
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const sending = (async () => {
          while (sent < 32 * 1024 * 1024 && !stream.closed && !stream.destroyed) {
            sent += chunk.length;
            if (!stream.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
        const outcome = await Promise.race([closed.then((code) => ({ reset: code })), new Promise<"blocked">((resolve) => setTimeout(() => resolve("blocked"), 5_000))]);
        await sending;
        expect(outcome).toEqual({ reset: http2.constants.NGHTTP2_NO_ERROR });
        expect(answered).not.toBe("");
        // Far less than it meant to send: it stopped when told to.
        expect(sent).toBeLessThan(32 * 1024 * 1024);
        // The same connection still carries calls.
        const health = session.request({ ":method": "GET", ":path": "/healthz" });
        const status = await new Promise<unknown>((resolve) => health.on("response", (headers) => resolve(headers[":status"])));
        health.close();
        expect(status).toBe(200);
      } finally {
        session.destroy();
      }
    });
  }
});
