import http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { useServersOnBothPaths } from "./testing/both-paths.js";

/**
 * A request body that ends with an empty DATA frame (END_STREAM, no bytes), as
 * `curl --data-binary ''` and `stream.end()` send it, arrives in the same read as
 * its HEADERS: Node ends the stream's readable side before the call is dispatched
 * (a turn later, see `installStreamHandler`). Every path must still see the end of
 * the body and answer, not wait for it for ever.
 */
describe("a request body ended by an empty DATA frame", () => {
  const servers = useServersOnBothPaths();

  /** Sends HEADERS, then the body and END_STREAM in a DATA frame; the status the answer carries, or "no answer". */
  async function call(url: string, method: string, contentType: string, body: Buffer): Promise<string> {
    const session = http2.connect(url);
    try {
      return await new Promise<string>((resolve) => {
        const stream = session.request({ ":method": "POST", ":path": `/annals.eventstore.v1.EventStore/${method}`, "content-type": contentType, te: "trailers", "connect-protocol-version": "1" }, { endStream: false });
        let answer = "";
        stream.on("response", (headers) => (answer = `${headers[":status"]} ${headers["grpc-status"] ?? ""}`.trim()));
        stream.on("trailers", (trailers) => (answer += ` grpc-status ${trailers["grpc-status"]}`));
        stream.on("data", () => undefined);
        stream.on("error", () => undefined);
        stream.on("close", () => resolve(answer || "no answer"));
        setTimeout(() => resolve("no answer"), 3_000);
        stream.end(body);
      });
    } finally {
      session.destroy();
    }
  }

  const cases: Array<[server: "fast" | "adapter", method: string, contentType: string, expected: string]> = [
    ["fast", "GetSchemas", "application/proto", "200"],
    ["fast", "GetSchemas", "application/json", "400"],
    ["fast", "GetSchemas", "application/grpc-web+proto", "200"],
    ["fast", "GetStream", "application/grpc", "200 grpc-status 12"],
    ["adapter", "GetStream", "application/grpc", "200 grpc-status 12"],
    ["fast", "ReadAll", "application/grpc", "200 grpc-status 12"],
    ["fast", "ReadAll", "application/connect+proto", "200"],
  ];
  for (const [server, method, contentType, expected] of cases) {
    it(`${method} as ${contentType} (fast path ${server === "fast" ? "on" : "off"}), empty body: answered`, async () => {
      expect(await call(servers[server]!.url, method, contentType, Buffer.alloc(0))).toBe(expected);
    });
  }

  it("a body with bytes in the same DATA frame is answered as before", async () => {
    expect(await call(servers.fast!.url, "GetSchemas", "application/proto", Buffer.from([0x08, 0x01]))).toBe("200");
  });
});
