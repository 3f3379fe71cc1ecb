import http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { useServersOnBothPaths } from "./testing/both-paths.js";

/**
 * A refusal whose message quotes the client's text cut inside a surrogate pair
 * (V8's JSON errors quote a snippet of the input; here its last character is the
 * first half of an emoji) cannot be percent-encoded for `grpc-message`: the
 * encoding threw and the call answered HTTP 500 without a gRPC status. Found by
 * the wire fuzzer (tools/chaos).
 */
const snippetCutInEmoji = Buffer.from(
  "00000000ac0a13c3bc6ec3af63c3b864c3a92df09f99822d34301290010a2464343930643538372d353562392d346134392d383661342d66633339343030363631633012126c6f6e652defbfbd2d737572726f676174651a1a59235d3c2d6951c09d2c15c7c40031899ffe45eb1617d13953f622186170706c69636174696f6e2f6f637465742d73747265616d2a0e0a056b302d38391205762d3532322a0e0a056b312d39351205762d3637341a021a00",
  "hex",
);

async function post(url: string, contentType: string): Promise<{ status: number | undefined; grpcStatus: string | undefined; grpcMessage: string | undefined }> {
  const session = http2.connect(url);
  try {
    const stream = session.request({ ":method": "POST", ":path": "/annals.eventstore.v1.EventStore/Append", "content-type": contentType, te: "trailers" });
    const answer: { status: number | undefined; grpcStatus: string | undefined; grpcMessage: string | undefined } = { status: undefined, grpcStatus: undefined, grpcMessage: undefined };
    const take = (headers: http2.IncomingHttpHeaders) => {
      if (headers[":status"] !== undefined) answer.status = Number(headers[":status"]);
      if (headers["grpc-status"] !== undefined) answer.grpcStatus = String(headers["grpc-status"]);
      if (headers["grpc-message"] !== undefined) answer.grpcMessage = String(headers["grpc-message"]);
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.resume();
    stream.end(snippetCutInEmoji);
    await new Promise((resolve) => stream.on("close", resolve));
    return answer;
  } finally {
    session.close();
  }
}

describe("a refusal quoting text cut inside a surrogate pair", () => {
  const servers = useServersOnBothPaths();
  for (const path of ["fast", "adapter"] as const) {
    it(`answers INVALID_ARGUMENT with a readable grpc-message, not HTTP 500 (${path})`, async () => {
      const server = servers[path]!;
      const head = await server.store.headPosition();
      for (const contentType of ["application/grpc+json", "application/grpc+json; charset=utf-8"]) {
        const answer = await post(server.url, contentType);
        expect(answer.status, contentType).toBe(200);
        expect(answer.grpcStatus, contentType).toBe("3");
        expect(decodeURIComponent(answer.grpcMessage ?? ""), contentType).toMatch(/cannot decode message annals\.eventstore\.v1\.AppendRequest from JSON/);
      }
      expect(await server.store.headPosition()).toBe(head);
    });
  }
});
