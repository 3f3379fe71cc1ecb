import http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { useServersOnBothPaths } from "./testing/both-paths.js";

/**
 * An envelope whose compressed flag is set while the request declares no
 * compression (no `grpc-encoding`, or `identity`) cannot be read: the client's
 * mistake, INVALID_ARGUMENT on every path, never INTERNAL (which says the server
 * has a bug).
 */
describe("an envelope flagged compressed without a declared compression", () => {
  const servers = useServersOnBothPaths();

  /** The code of the answer: grpc-status (headers, trailers or a gRPC-Web trailer frame), or a Connect end-of-stream error. */
  async function call(url: string, method: string, headers: Record<string, string>, flags: number): Promise<string> {
    // A GetStreamRequest / ReadAllRequest with field 1 set: valid bytes, only the flag is wrong.
    const message = Buffer.from([0x08, 0x01]);
    const body = Buffer.concat([Buffer.from([flags, 0, 0, 0, message.length]), message]);
    const session = http2.connect(url);
    try {
      return await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": `/annals.eventstore.v1.EventStore/${method}`, te: "trailers", ...headers });
        let status: string | undefined;
        const chunks: Buffer[] = [];
        stream.on("response", (received) => (status = received["grpc-status"] as string | undefined));
        stream.on("trailers", (received) => (status ??= received["grpc-status"] as string | undefined));
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("error", reject);
        stream.on("close", () => {
          const text = Buffer.concat(chunks).toString("latin1");
          resolve(status ?? /grpc-status: ?(\d+)/.exec(text)?.[1] ?? /"code":"([a-z_]+)"/.exec(text)?.[1] ?? "none");
        });
        stream.end(body);
      });
    } finally {
      session.destroy();
    }
  }

  const invalidArgument = "3";
  const cases: Array<[server: "fast" | "adapter", method: string, headers: Record<string, string>, expected: string]> = [
    ["fast", "GetStream", { "content-type": "application/grpc" }, invalidArgument],
    ["fast", "GetStream", { "content-type": "application/grpc", "grpc-encoding": "identity" }, invalidArgument],
    ["adapter", "GetStream", { "content-type": "application/grpc" }, invalidArgument],
    ["fast", "ReadAll", { "content-type": "application/grpc" }, invalidArgument],
    ["fast", "GetStream", { "content-type": "application/grpc-web+proto" }, invalidArgument],
    ["fast", "ReadAll", { "content-type": "application/connect+proto", "connect-protocol-version": "1" }, "invalid_argument"],
  ];
  for (const [server, method, headers, expected] of cases) {
    for (const flags of [0x01, 0x03]) {
      it(`${method} as ${headers["content-type"]}${headers["grpc-encoding"] ? ` (grpc-encoding ${headers["grpc-encoding"]})` : ""}, fast path ${server === "fast" ? "on" : "off"}, flags 0x0${flags}: INVALID_ARGUMENT`, async () => {
        expect(await call(servers[server]!.url, method, headers, flags)).toBe(expected);
      });
    }
  }
});
