import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { AppendRequestSchema, GetEventsRequestSchema, SetStreamMetadataRequestSchema } from "@annals/protocol";
import { describe, expect, it } from "vitest";
import { useServersOnBothPaths } from "./testing/both-paths.js";

/**
 * A refusal quotes the client's value only in part: an id (or a key) of 70,000 characters
 * echoed whole in grpc-message (and the InvalidField detail) makes trailers larger
 * than a client accepts (Node's 64 KiB header list): its connection failed with
 * FRAME_SIZE_ERROR, and every call on it with it.
 */
describe("a refusal of a very long value", () => {
  const servers = useServersOnBothPaths();

  const long = "x".repeat(70_000);
  const requests = {
    "GetEvents with a 70,000-character id": ["GetEvents", toBinary(GetEventsRequestSchema, create(GetEventsRequestSchema, { ids: [long] }))],
    "Append with a 70,000-character id": ["Append", toBinary(AppendRequestSchema, create(AppendRequestSchema, { stream: "long-id", events: [{ id: long, type: "test.Note" }] }))],
    "Append with a 70,000-character metadata key": ["Append", toBinary(AppendRequestSchema, create(AppendRequestSchema, { stream: "long-key", events: [{ type: "test.Note", metadata: { [long]: "v" } }] }))],
    "SetStreamMetadata with a 70,000-character custom key": ["SetStreamMetadata", toBinary(SetStreamMetadataRequestSchema, create(SetStreamMetadataRequestSchema, { stream: "long-key", metadata: { custom: { [long]: "v" } } }))],
  } as const;

  for (const server of ["fast", "adapter"] as const) {
    for (const [title, [method, message]] of Object.entries(requests)) {
      it(`${title} (fast path ${server === "fast" ? "on" : "off"}): INVALID_ARGUMENT with a short message; the connection serves on`, async () => {
        const session = http2.connect(servers[server]!.url);
        session.on("error", () => undefined);
        try {
          const send = () =>
            new Promise<{ status?: string; message?: string; rst: number }>((resolve) => {
              const stream = session.request({ ":method": "POST", ":path": `/annals.eventstore.v1.EventStore/${method}`, "content-type": "application/grpc", te: "trailers" });
              let status: string | undefined;
              let text: string | undefined;
              stream.on("trailers", (trailers) => {
                status = trailers["grpc-status"] as string | undefined;
                text = decodeURIComponent(String(trailers["grpc-message"] ?? ""));
              });
              stream.on("data", () => undefined);
              stream.on("error", () => undefined);
              stream.on("close", () => resolve({ status, message: text, rst: stream.rstCode }));
              const body = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from(message)]);
              body.writeUInt32BE(message.length, 1);
              stream.end(body);
            });
          const first = await send();
          expect(first.status).toBe("3");
          expect(first.message).toContain("(70000 characters)");
          expect(first.message!.length).toBeLessThan(300);
          expect((await send()).status).toBe("3");
        } finally {
          session.destroy();
        }
      });
    }
  }
});
