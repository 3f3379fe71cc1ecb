import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient } from "@annals/sdk";
import { startTestServer, type TestServer } from "./testing/test-server.js";

/** Metadata with own keys that plain objects treat specially. */
function awkwardMetadata(): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const key of ["__proto__", "constructor", "toString", "actor"]) Object.defineProperty(metadata, key, { value: `v-${key}`, enumerable: true, writable: true, configurable: true });
  return metadata;
}
const keys = ["__proto__", "actor", "constructor", "toString"];

// Nothing acknowledged is altered: a metadata key named "__proto__" comes back on every path.
describe("metadata keys that objects treat specially", () => {
  let server: TestServer;
  const json = async (method: string, body: string) =>
    (await fetch(`${server.url}/annals.eventstore.v1.EventStore/${method}`, { method: "POST", headers: { "content-type": "application/json" }, body })).text();

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each(["grpc", "connect", "grpc-web"] as const)("survive an append and a read through the SDK over %s", async (protocol) => {
    const client = createAnnalsClient({ baseUrl: server.url, protocol });
    try {
      const stream = `keys-${protocol}-${randomUUID()}`;
      const id = randomUUID();
      await client.appendToStream(stream, [{ id, type: "t.Keys", data: new Uint8Array(), metadata: awkwardMetadata() }]);
      for await (const event of client.readStream(stream)) {
        expect(Object.keys(event.metadata).sort()).toEqual(keys);
        expect(Object.getOwnPropertyDescriptor(event.metadata, "__proto__")?.value).toBe("v-__proto__");
      }
      // And as JSON, through another path of the server.
      const stored = JSON.parse(await json("GetEvents", JSON.stringify({ ids: [id] }))) as { events: Array<{ metadata: Record<string, string> }> };
      expect(Object.keys(stored.events[0]!.metadata).sort()).toEqual(keys);
    } finally {
      client.close();
    }
  });

  it("survive an append as Connect JSON over HTTP/1.1", async () => {
    const stream = `keys-json-${randomUUID()}`;
    const id = randomUUID();
    const body = `{"stream":"${stream}","events":[{"id":"${id}","type":"t.Keys","data":"","metadata":{"__proto__":"v-__proto__","constructor":"v-constructor","toString":"v-toString","actor":"v-actor"}}]}`;
    expect(await json("Append", body)).toContain('"revision"');
    const stored = JSON.parse(await json("GetEvents", JSON.stringify({ ids: [id] }))) as { events: Array<{ metadata: Record<string, string> }> };
    expect(Object.keys(stored.events[0]!.metadata).sort()).toEqual(keys);
    expect(stored.events[0]!.metadata["constructor"]).toBe("v-constructor");
    const client = createAnnalsClient({ baseUrl: server.url });
    try {
      const [read] = await client.getEvents([id]);
      expect(Object.keys(read!.metadata).sort()).toEqual(keys);
    } finally {
      client.close();
    }
  });
});
