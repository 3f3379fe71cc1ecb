import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { connect, type PeerCertificate } from "node:tls";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient } from "@annals/sdk";
import { GetStreamRequestSchema, GetStreamResponseSchema } from "@annals/protocol";
import { readTlsFiles } from "./tls-files.js";
import { grpcJsMethod } from "../testing/grpc-js-method.js";
import { createTestCertificates, pem, type TestCertificates } from "../testing/tls-certificates.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../../", import.meta.url));

describe("TLS: HTTP/2 and HTTP/1.1 on one port by ALPN", () => {
  let certificates: TestCertificates;
  let server: TestServer;
  const stream = `tls-${randomUUID()}`;

  beforeAll(async () => {
    certificates = createTestCertificates();
    server = await startTestServer({ server: { tls: readTlsFiles(certificates.certFile, certificates.keyFile) } });
  });
  afterAll(async () => {
    await server.stop();
    certificates.remove();
  });

  it("serves the SDK over gRPC with the CA it is given: append, read, a live subscription", async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = createAnnalsClient({ baseUrl: server.url, tls: { ca: pem(certificates.caFile) } });
    try {
      await client.appendToStream(stream, [{ type: "t.A", data: new Uint8Array([1]) }], { expectedRevision: "no_stream" });
      const read = [];
      for await (const event of client.readStream(stream)) read.push(event.revision);
      expect(read).toEqual([0n]);
      const live = client.subscribe({ stream, from: "end" });
      const appended = live.caughtUp.then(() => client.appendToStream(stream, [{ type: "t.B", data: new Uint8Array() }]));
      for await (const event of live) {
        expect(event.type).toBe("t.B");
        break;
      }
      expect((await appended).revision).toBe(1n);
    } finally {
      client.close();
    }
  });

  it("serves @grpc/grpc-js with credentials.createSsl, and refuses a client that does not trust the CA", async () => {
    const method = grpcJsMethod("annals.eventstore.v1.EventStore", "GetStream", GetStreamRequestSchema, GetStreamResponseSchema);
    const Client = grpc.makeGenericClientConstructor({ GetStream: method }, "EventStore");
    const call = (credentials: grpc.ChannelCredentials) =>
      new Promise<unknown>((resolve, reject) => {
        const client = new Client(new URL(server.url).host, credentials);
        client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, { stream, $typeName: GetStreamRequestSchema.typeName }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (error, response) => {
          client.close();
          if (error) reject(error);
          else resolve(response);
        });
      });
    expect(await call(grpc.credentials.createSsl(pem(certificates.caFile)))).toMatchObject({ exists: true, lastRevision: 1n });
    await expect(call(grpc.credentials.createSsl())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it("answers curl --cacert with Connect JSON over HTTP/1.1 and over HTTP/2", async () => {
    for (const version of ["--http1.1", "--http2"]) {
      const { stdout } = await run("curl", ["-sS", version, "--cacert", certificates.caFile, "-w", "\\n%{http_version}", "-H", "content-type: application/json", "-d", JSON.stringify({ stream }), `${server.url}/annals.eventstore.v1.EventStore/GetStream`]);
      const [body, httpVersion] = stdout.split("\n");
      expect(JSON.parse(body!)).toMatchObject({ exists: true, lastRevision: "1" });
      expect(httpVersion).toBe(version === "--http2" ? "2" : "1.1");
    }
  });

  it("answers buf curl --cacert over gRPC", async () => {
    for (const protocol of ["grpc"]) {
      const { stdout } = await run("npx", ["buf", "curl", "--schema", "proto", "--protocol", protocol, "--cacert", certificates.caFile, "-d", JSON.stringify({ stream }), `${server.url}/annals.eventstore.v1.EventStore/GetStream`], { cwd: root });
      expect(JSON.parse(stdout)).toMatchObject({ exists: true, lastRevision: "1" });
    }
  });

  it("takes a renewed certificate for new connections once reloaded", async () => {
    const peerSerial = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port: server.server.port, ca: pem(certificates.caFile), ALPNProtocols: ["h2"] }, () => {
          const certificate: PeerCertificate = socket.getPeerCertificate();
          socket.end();
          resolve(certificate.serialNumber);
        });
        socket.on("error", reject);
      });
    const before = certificates.serial();
    expect((await peerSerial()).toUpperCase()).toBe(before.toUpperCase());
    const renewed = certificates.renew();
    expect((await peerSerial()).toUpperCase()).toBe(before.toUpperCase());
    server.server.setTls(readTlsFiles(certificates.certFile, certificates.keyFile));
    expect((await peerSerial()).toUpperCase()).toBe(renewed.toUpperCase());
  });
});
