import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createAnnalsClient, type AnnalsClient, type ResolvedEvent } from "@annals/sdk";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const raw = () => ({ type: "test.Happened", data: new Uint8Array([1]) });

// One server for both groups: each test writes streams of its own.
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

// `from: "end"` means the end when the subscription started: a transient failure
// before the first caught-up must not move it and skip what was committed meanwhile.
describe("a subscription from the end, when its first call fails", () => {
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

// A page that stops one subscription and starts another (new filters) must not see
// the old one speak again: messages already received when its signal aborted are
// dropped, neither handed on nor told to its callbacks.
describe("a subscription whose signal aborted", () => {
  it.each([
    ["$all", "grpc", { all: true } as const],
    ["a stream", "grpc", { stream: "aborted-stream" } as const],
    ["$all", "grpc-web", { all: true } as const],
    ["$all", "connect", { all: true } as const],
  ] as const)("on %s over %s, calls no callback and yields nothing after the abort, even for messages already received", async (_name, protocol, target) => {
    const stream = "stream" in target ? target.stream : `aborted-all-${Date.now()}`;
    await writer.appendToStream(stream, [raw(), raw(), raw()]);
    const reader = createAnnalsClient({ baseUrl: server.url, protocol });
    const stop = new AbortController();
    const afterAbort: string[] = [];
    const subscription = reader.subscribe({
      ...target,
      from: "start",
      signal: stop.signal,
      onCaughtUp: () => {
        if (stop.signal.aborted) afterAbort.push("caught up");
      },
      onCheckpoint: () => {
        if (stop.signal.aborted) afterAbort.push("checkpoint");
      },
    });
    const yielded: number[] = [];
    for await (const batch of subscription.batches()) {
      if (stop.signal.aborted) yielded.push(batch.length);
      else {
        // The caught-up marker follows the history at once: by now it is in the client.
        await new Promise((resolve) => setTimeout(resolve, 200));
        stop.abort();
      }
    }
    reader.close();
    expect(afterAbort).toEqual([]);
    expect(yielded).toEqual([]);
    expect(subscription.isCaughtUp).toBe(false);
  });
});
