import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppendRequestSchema, AppendResponseSchema, ProposedEventSchema } from "@annals/protocol";
import { create } from "@bufbuild/protobuf";
import { createAnnalsClient } from "@annals/sdk";
import { createAuthenticator } from "./authenticator.js";
import { readTlsFiles } from "./tls-files.js";
import { grpcJsMethod } from "../testing/grpc-js-method.js";
import { createTestCertificates, pem, type TestCertificates } from "../testing/tls-certificates.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const run = promisify(execFile);

describe("client certificates (mTLS): the verified subject is the principal", () => {
  let certificates: TestCertificates;
  let server: TestServer;
  let orders: { certFile: string; keyFile: string };
  let stranger: { certFile: string; keyFile: string };

  beforeAll(async () => {
    certificates = createTestCertificates();
    orders = certificates.issueClient("svc-orders");
    stranger = certificates.issueClient("svc-orders", { foreign: true });
    const authenticator = await createAuthenticator({ clientCertificates: true, principals: { "svc-orders": { read: ["orders-"], write: ["orders-"] } } });
    server = await startTestServer({ server: { tls: readTlsFiles(certificates.certFile, certificates.keyFile, certificates.caFile), authenticator } });
  });
  afterAll(async () => {
    await server.stop();
    certificates.remove();
  });

  const append = grpcJsMethod("annals.eventstore.v1.EventStore", "Append", AppendRequestSchema, AppendResponseSchema);
  function grpcAppend(credentials: grpc.ChannelCredentials, stream: string): Promise<unknown> {
    const Client = grpc.makeGenericClientConstructor({ Append: append }, "EventStore");
    return new Promise((resolve, reject) => {
      const client = new Client(new URL(server.url).host, credentials);
      const request = create(AppendRequestSchema, { stream, events: [create(ProposedEventSchema, { type: "t.Placed", data: new Uint8Array([1]) })] });
      client.makeUnaryRequest(append.path, append.requestSerialize, append.responseDeserialize, request, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (error, response) => {
        client.close();
        if (error) reject(error);
        else resolve(response);
      });
    });
  }
  const withCertificate = (client: { certFile: string; keyFile: string }) => grpc.credentials.createSsl(pem(certificates.caFile), pem(client.keyFile), pem(client.certFile));

  it("grpc-js with a certificate the CA signed appends as its subject; the server stamps it; grants apply", async () => {
    const stream = `orders-${randomUUID()}`;
    await grpcAppend(withCertificate(orders), stream);
    const stored = [];
    for await (const page of server.store.readStream(stream)) stored.push(...page);
    expect(stored.map((event) => event.metadata["$principal"])).toEqual(["svc-orders"]);
    await expect(grpcAppend(withCertificate(orders), `billing-${randomUUID()}`)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('principal "svc-orders" lacks the write permission') });
  });

  it("without a certificate, or with one another CA signed, a call is unauthenticated and writes nothing", async () => {
    const head = await server.store.headPosition();
    await expect(grpcAppend(grpc.credentials.createSsl(pem(certificates.caFile)), `orders-${randomUUID()}`)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(grpcAppend(withCertificate(stranger), `orders-${randomUUID()}`)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(await server.store.headPosition()).toBe(head);
  });

  it("the SDK (gRPC, a server stream too) and curl over HTTP/1.1 authenticate with the certificate", async () => {
    const stream = `orders-${randomUUID()}`;
    const client = createAnnalsClient({ baseUrl: server.url, tls: { ca: pem(certificates.caFile), cert: pem(orders.certFile), key: pem(orders.keyFile) } });
    try {
      await client.appendToStream(stream, [{ type: "t.Placed", data: new Uint8Array() }], { expectedRevision: "no_stream" });
      const read = [];
      for await (const event of client.readStream(stream)) read.push(event.metadata["$principal"]);
      expect(read).toEqual(["svc-orders"]);
    } finally {
      client.close();
    }
    const curl = (args: string[]) =>
      run("curl", ["-sS", "--http1.1", "--cacert", certificates.caFile, ...args, "-H", "content-type: application/json", "-d", JSON.stringify({ stream }), `${server.url}/annals.eventstore.v1.EventStore/GetStream`]).then(({ stdout }) => JSON.parse(stdout) as Record<string, unknown>);
    expect(await curl(["--cert", orders.certFile, "--key", orders.keyFile])).toMatchObject({ exists: true, lastRevision: "0" });
    expect(await curl([])).toMatchObject({ code: "unauthenticated" });
  });
});
