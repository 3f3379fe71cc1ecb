import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ServerReflection, ServerReflectionV1Alpha, type ServerReflectionRequestSchema, type ServerReflectionResponse } from "@annals/protocol/grpc";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const buf = fileURLToPath(new URL("../../../../node_modules/.bin/buf", import.meta.url));

/** Runs the real `buf curl` against the server, with no proto files: everything comes from reflection. */
function bufCurl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("server reflection", () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test.stop();
  });

  it("lets buf curl list every method, over grpc.reflection.v1 and v1alpha", async () => {
    for (const protocol of ["grpc-v1", "grpc-v1alpha"]) {
      const result = await bufCurl(["--reflect-protocol", protocol, "--list-methods", test.url]);
      expect(result.stderr).toBe("");
      expect(result.stdout.trim().split("\n")).toEqual(
        expect.arrayContaining([
          "annals.eventstore.v1.EventStore/Append",
          "annals.eventstore.v1.EventStore/GetStream",
          "annals.eventstore.v1.EventStore/ListStreams",
          "annals.eventstore.v1.EventStore/ReadAll",
          "grpc.health.v1.Health/Check",
          "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        ]),
      );
    }
  });

  it("lets buf curl call RPCs with JSON and no proto files", async () => {
    const stream = `reflected-${randomUUID()}`;
    const data = Buffer.from('{"hello":"world"}').toString("base64");
    const appended = await bufCurl([
      "-d",
      JSON.stringify({ stream, events: [{ type: "test.Reflected", data, contentType: "application/json" }], expectedRevision: { noStream: {} } }),
      `${test.url}/annals.eventstore.v1.EventStore/Append`,
    ]);
    expect(appended.stderr).toBe("");
    expect(JSON.parse(appended.stdout)).toMatchObject({ position: expect.any(String) });

    const got = await bufCurl(["-d", JSON.stringify({ stream }), `${test.url}/annals.eventstore.v1.EventStore/GetStream`]);
    expect(JSON.parse(got.stdout)).toEqual({ exists: true, lastPosition: expect.any(String), eventCount: "1" });

    const read = await bufCurl(["-d", JSON.stringify({ stream }), `${test.url}/annals.eventstore.v1.EventStore/ReadStream`]);
    expect(JSON.parse(read.stdout)).toMatchObject({ events: [{ stream, type: "test.Reflected", data, contentType: "application/json" }] });

    const health = await bufCurl(["-d", "{}", `${test.url}/grpc.health.v1.Health/Check`]);
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });
  });

  it("answers file_by_filename and file_containing_symbol with the file and its imports, and NOT_FOUND for unknown names", async () => {
    const transport = createGrpcTransport({ baseUrl: test.url });
    for (const service of [ServerReflection, ServerReflectionV1Alpha] as const) {
      const client = createClient(service as typeof ServerReflection, transport);
      async function* requests(): AsyncIterable<MessageInitShape<typeof ServerReflectionRequestSchema>> {
        yield { messageRequest: { case: "fileContainingSymbol", value: "annals.eventstore.v1.EventStore.Append" } };
        yield { messageRequest: { case: "fileContainingSymbol", value: "annals.eventstore.v1.ReadAllRequest.Start" } };
        yield { messageRequest: { case: "fileByFilename", value: "annals/eventstore/v1/errors.proto" } };
        yield { messageRequest: { case: "fileContainingSymbol", value: "google.protobuf.Timestamp" } };
        yield { messageRequest: { case: "fileByFilename", value: "nope.proto" } };
        yield { messageRequest: { case: "allExtensionNumbersOfType", value: "annals.eventstore.v1.RecordedEvent" } };
      }
      const answers: Array<ServerReflectionResponse["messageResponse"]> = [];
      for await (const response of client.serverReflectionInfo(requests())) answers.push(response.messageResponse);
      const files = (index: number) => {
        const answer = answers[index]!;
        if (answer.case !== "fileDescriptorResponse") throw new Error(`answer ${index} is ${answer.case}`);
        return answer.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
      };
      expect(files(0)).toEqual(["annals/eventstore/v1/event_store.proto", "annals/eventstore/v1/event.proto", "google/protobuf/timestamp.proto"]);
      expect(files(1)[0]).toBe("annals/eventstore/v1/event_store.proto");
      expect(files(2)[0]).toBe("annals/eventstore/v1/errors.proto");
      expect(files(3)[0]).toBe("google/protobuf/timestamp.proto");
      expect(answers[4]).toEqual({ case: "errorResponse", value: expect.objectContaining({ errorCode: 5 }) });
      expect(answers[5]).toMatchObject({ case: "allExtensionNumbersResponse", value: { extensionNumber: [] } });
    }
  });
});
