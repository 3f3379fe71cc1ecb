import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator } from "./authenticator.js";
import { readTlsFiles } from "./tls-files.js";
import { createTestCredentials, type TestCredentials } from "../testing/credentials.js";
import { createTestCertificates, type TestCertificates } from "../testing/tls-certificates.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const run = promisify(execFile);
const sdk = fileURLToPath(new URL("../../../../libs/sdk-python", import.meta.url));

// What the Python client does with a token and the CA of a TLS server.
const script = `
import os, sys
from annals import AnnalsError, Client, NewEvent
ca = open(os.environ["CA"], "rb").read()
with Client(os.environ["URL"], token=os.environ["TOKEN"], root_certificates=ca) as client:
    result = client.append("py-1", [NewEvent.from_json("t.Added", {"n": 1})])
    print("appended", result.revision)
    print("read", [event.revision for event in client.read_stream("py-1")])
with Client(os.environ["URL"], root_certificates=ca) as anonymous:
    try:
        anonymous.get_stream("py-1")
    except AnnalsError as error:
        print("refused", error.code.name)
`;

describe("the Python SDK with a token over TLS", () => {
  let server: TestServer;
  let credentials: TestCredentials;
  let certificates: TestCertificates;
  beforeAll(async () => {
    certificates = createTestCertificates();
    credentials = await createTestCredentials({ py: { grants: { read: ["py-"], write: ["py-"] } } });
    server = await startTestServer({ server: { tls: readTlsFiles(certificates.certFile, certificates.keyFile), authenticator: await createAuthenticator({ apiKeysFile: credentials.apiKeysFile }) } });
  });
  afterAll(async () => {
    await server.stop();
    credentials.remove();
    certificates.remove();
  });

  it("sends the token and trusts the given root certificates; without a token it is refused", async () => {
    const { stdout } = await run("/usr/bin/python3", ["-c", script], {
      timeout: 50_000,
      env: { PATH: "/usr/bin:/bin", PYTHONPATH: sdk, PYTHONDONTWRITEBYTECODE: "1", URL: server.url, TOKEN: credentials.apiKey("py"), CA: certificates.caFile },
    });
    expect(stdout.trim().split("\n")).toEqual(["appended 0", "read [0]", "refused UNAUTHENTICATED"]);
  });
});
