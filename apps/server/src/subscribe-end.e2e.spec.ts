import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createAnnalsClient, type AnnalsClient, type ResolvedEvent } from "@annals/sdk";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const raw = () => ({ type: "test.Happened", data: new Uint8Array([1]) });

// `from: "end"` means the end when the subscription started: a transient failure
// before the first caught-up must not move it and skip what was committed meanwhile.
describe("a subscription from the end, when its first call fails", () => {
  let server: TestServer;
  let writer: AnnalsClient;
  beforeAll(async () => {
    server = await startTestServer();
    writer = createAnnalsClient({ baseUrl: server.url });
  });
  afterAll(async () => {
    writer.close();
    await server.stop();
  });

  it.each([
    ["$all", { all: true } as const],
    ["a stream", { stream: "end-stream" } as const],
  ])("on %s, delivers what was committed between the start and the retry", async (_name, target) => {
    const stream = "stream" in target ? target.stream : `end-all-${Date.now()}`;
    await writer.appendToStream(stream, [raw(), raw()]);
    let failed = false;
    // The first Subscribe call fails as a dropped connection would, after another
    // client committed an event: the retry must still deliver that event.
    const failOnce: Interceptor = (next) => async (request) => {
      if (request.method.name === "Subscribe" && !failed) {
        failed = true;
        await writer.appendToStream(stream, [raw()]);
        throw new ConnectError("injected: connection lost", Code.Unavailable);
      }
      return next(request);
    };
    const client = createAnnalsClient({ baseUrl: server.url, interceptors: [failOnce] });
    const subscription = client.subscribe({ ...target, from: "end", signal: AbortSignal.timeout(10_000) });
    const received: ResolvedEvent[] = [];
    try {
      for await (const event of subscription) {
        received.push(event);
        if (received.length === 1) await writer.appendToStream(stream, [raw()]);
        if (received.length === 2) break;
      }
    } finally {
      subscription.close();
      client.close();
    }
    expect(failed).toBe(true);
    expect(received.map((event) => [event.stream, event.revision])).toEqual([
      [stream, 2n],
      [stream, 3n],
    ]);
  });
});
