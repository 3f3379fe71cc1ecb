import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator } from "@annals/server";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { createTestCredentials, type TestCredentials } from "@annals/server/testing/credentials";
import { annals } from "./testing/run-cli.js";

describe("the CLI against a server that requires a token", () => {
  let server: TestServer;
  let credentials: TestCredentials;
  beforeAll(async () => {
    credentials = await createTestCredentials({ reader: { grants: { read: ["cli-"], write: ["cli-"] } } });
    server = await startTestServer({ server: { authenticator: await createAuthenticator({ apiKeysFile: credentials.apiKeysFile }) } });
    await server.store.appendToStream("cli-1", [{ type: "t.A", data: new Uint8Array() }]);
  });
  afterAll(async () => {
    await server.stop();
    credentials.remove();
  });

  it("sends --token or ANNALS_TOKEN; without one the call is refused in one line", async () => {
    const token = credentials.apiKey("reader");
    const flag = await annals(["streams", "--prefix", "cli-", "--json", "--token", token], { url: server.url });
    expect(flag.stderr).toBe("");
    expect(JSON.parse(flag.stdout.trim())).toMatchObject({ stream: "cli-1", events: 1 });
    const env = await annals(["read", "cli-1", "--json"], { url: server.url, env: { ANNALS_TOKEN: token } });
    expect(env.code).toBe(0);
    const refused = await annals(["streams", "--prefix", "cli-"], { url: server.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^annals: .*bearer token.*\n$/);
    const denied = await annals(["streams", "--prefix", "other-", "--token", token], { url: server.url });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('lacks the read permission on prefix "other-"');
  });
});
