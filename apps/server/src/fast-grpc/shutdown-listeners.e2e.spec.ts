import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient, type AnnalsClient, type Subscription } from "@annals/sdk";
import { startTestServer, type TestServer } from "../testing/test-server.js";

// Node's EventTarget walks all of a signal's listeners on every add and remove: a
// listener per call on the server's shutdown signal made each call cost O(calls in flight).
describe("calls on the gRPC fast path and the server's shutdown signal", () => {
  let server: TestServer;
  let client: AnnalsClient;
  beforeAll(async () => {
    server = await startTestServer();
    client = createAnnalsClient({ baseUrl: server.url, protocol: "grpc" });
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it("hold one listener between them, whatever their number, and all end when the server shuts down", async () => {
    const shutdown = server.server.shutdownSignal;
    const before = getEventListeners(shutdown, "abort").length;
    await client.appendToStream("watched-1", [{ type: "test.Happened", data: new Uint8Array([1]) }]);
    const stop = new AbortController();
    const subscriptions: Subscription[] = Array.from({ length: 60 }, () => client.subscribe({ stream: "watched-1", signal: stop.signal }));
    const ended = subscriptions.map(async (subscription) => {
      try {
        for await (const event of subscription) void event;
      } catch {
        // ended by the client's signal below
      }
    });
    await Promise.all(subscriptions.map((subscription) => subscription.caughtUp));
    // Unary calls beside them add none that stays.
    for (let call = 0; call < 20; call += 1) await client.getStream("watched-1");
    expect(getEventListeners(shutdown, "abort").length).toBeLessThanOrEqual(before + 1);
    // The shutdown reaches every call through that one listener: the server closes
    // well within its 10 s grace for calls in flight, which it would wait out otherwise.
    const closing = Date.now();
    await server.server.close();
    expect(Date.now() - closing).toBeLessThan(5_000);
    // The SDK would subscribe again to another server; this test stops them.
    stop.abort();
    await Promise.all(ended);
  });
});
