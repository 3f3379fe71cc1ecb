import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventStore } from "@annals/protocol";
import { Code, createAnnalsClient, type AnnalsClient, type ResolvedEvent, type Subscription } from "@annals/sdk";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const raw = (type = "test.Happened", body = "x") => ({ type, data: new TextEncoder().encode(body) });
const batch = (count: number, type?: string) => Array.from({ length: count }, (_, index) => raw(type, `${index}`));

/** Reads `subscription` until `done`, within `timeoutMs`; leaving the loop ends it. */
async function take(subscription: Subscription, done: (events: readonly ResolvedEvent[]) => boolean, timeoutMs = 15_000): Promise<ResolvedEvent[]> {
  const events: ResolvedEvent[] = [];
  const timer = setTimeout(() => subscription.close(), timeoutMs);
  try {
    for await (const event of subscription) {
      events.push(event);
      if (done(events)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

const positions = (events: readonly ResolvedEvent[]) => events.map((event) => Number(event.position));
const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, index) => first + index);

/** Polls `check` until it holds or `timeoutMs` passes; answers its last value. */
async function eventually<T>(read: () => T, check: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = read();
  }
  return value;
}

describe.each(["grpc", "connect", "grpc-web"] as const)("Subscribe over %s against a real server", (protocol) => {
  let server: TestServer;
  let client: AnnalsClient;

  beforeAll(async () => {
    server = await startTestServer();
    client = createAnnalsClient({ baseUrl: server.url, protocol });
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it("delivers every event exactly once and in order across the switch to live, with appends throughout", async () => {
    const first = (await client.appendToStream(`history-${randomUUID()}`, batch(3_000))).position - 2_999n;
    const appending = Array.from({ length: 3 }, async (_, writer) => {
      for (let index = 0; index < 40; index += 1) await client.appendToStream(`live-${writer}-${randomUUID()}`, batch(1 + (index % 4)));
    });
    let last = Number.POSITIVE_INFINITY;
    const subscribers = [0, 10, 40].map(async (delayMs) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const subscription = client.subscribe({ all: true, from: { after: first - 1n } });
      const events = await take(subscription, (events) => Number(events.at(-1)!.position) >= last);
      return { events, caughtUp: await subscription.caughtUp };
    });
    await Promise.all(appending);
    // Known before the last append, so that no subscriber can see the last event before it.
    for await (const head of client.readAll({ direction: "backwards", maxCount: 1 })) last = Number(head.position) + 1;
    expect(Number((await client.appendToStream(`done-${randomUUID()}`, batch(1))).position)).toBe(last);
    for (const { events, caughtUp } of await Promise.all(subscribers)) {
      expect(positions(events)).toEqual(range(Number(first), last));
      expect(caughtUp).toBeGreaterThanOrEqual(first + 2_999n);
    }
  });

  it("follows a category and filters by type, and checkpoints while the filter matches nothing", async () => {
    const tag = randomUUID().slice(0, 8);
    const head = (await client.appendToStream(`noise-${tag}`, batch(1))).position;
    await client.appendToStream(`order-${tag}-1`, [raw("shop.Ordered")]);
    await client.appendToStream(`order-${tag}-2`, [raw("shop.Shipped")]);
    const category = client.subscribe({ category: `order-${tag}-`, from: { after: head } });
    const filtered = client.subscribe({ all: true, from: { after: head }, filter: { eventTypePrefixes: ["shop.Ship"] } });
    const checkpoints: bigint[] = [];
    const quiet = client.subscribe({
      all: true,
      from: { after: head },
      filter: { eventTypePrefixes: [`never-${tag}`] },
      checkpointEveryMs: 100,
      onCheckpoint: (position) => void checkpoints.push(position),
    });
    const quietEvents = take(quiet, () => true, 2_000);
    await quiet.caughtUp;
    await client.appendToStream(`order-${tag}-1`, [raw("shop.Shipped")]);
    const last = (await client.appendToStream(`noise-${tag}`, batch(5))).position;
    expect((await take(category, (events) => events.length >= 3)).map((event) => [event.stream, event.type])).toEqual([
      [`order-${tag}-1`, "shop.Ordered"],
      [`order-${tag}-2`, "shop.Shipped"],
      [`order-${tag}-1`, "shop.Shipped"],
    ]);
    expect((await take(filtered, (events) => events.length >= 2)).map((event) => event.stream)).toEqual([`order-${tag}-2`, `order-${tag}-1`]);
    await eventually(() => checkpoints.at(-1), (position) => position === last);
    quiet.close();
    expect(await quietEvents).toEqual([]);
    expect(checkpoints.at(-1)).toBe(last);
    expect(quiet.position).toBe(last);
  });

  it("follows one stream from its end and resolves caughtUp with the head", async () => {
    const stream = `single-${randomUUID()}`;
    await client.appendToStream(stream, batch(2));
    const subscription = client.subscribe({ stream, from: "end" });
    const events = take(subscription, (events) => events.length >= 2);
    const caughtUp = await subscription.caughtUp;
    expect(subscription.revision).toBe(1n);
    await client.appendToStream(`other-${randomUUID()}`, batch(1));
    await client.appendToStream(stream, batch(2));
    expect((await events).map((event) => [event.revision, event.position > caughtUp])).toEqual([
      [2n, true],
      [3n, true],
    ]);
  });

  it("refuses a malformed subscription with INVALID_ARGUMENT", async () => {
    const subscription = client.subscribe({ stream: "s", from: "start", filter: { eventTypePrefixes: [""] } });
    const error = await take(subscription, () => true).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    await expect(subscription.caughtUp).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("stores and reads named checkpoints", async () => {
    const name = `model-${randomUUID()}`;
    expect(await client.getCheckpoint(name)).toBeUndefined();
    await client.setCheckpoint(name, 41n);
    await client.setCheckpoint(name, 42);
    const checkpoint = await client.getCheckpoint(name);
    expect(checkpoint?.position).toBe(42n);
    expect(Math.abs(checkpoint!.updatedAt.getTime() - Date.now())).toBeLessThan(60_000);
    await expect(client.setCheckpoint("", 1)).rejects.toMatchObject({ code: Code.InvalidArgument, field: "name" });
  });
});

describe("Subscribe for a JSON client (Connect protocol over HTTP/1.1)", () => {
  it("answers ordinary JSON messages: events, then caught_up, then live events", async () => {
    const server = await startTestServer();
    try {
      const stream = `json-${randomUUID()}`;
      await server.store.appendToStream(stream, [{ type: "test.Json", data: new TextEncoder().encode("{}"), metadata: { actor: "ada" } }]);
      const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", useBinaryFormat: false });
      const controller = new AbortController();
      const kinds: string[] = [];
      const events: Array<{ stream: string; revision: bigint; metadata: Record<string, string> }> = [];
      for await (const response of createClient(EventStore, transport).subscribe({ target: { case: "stream", value: stream } }, { signal: controller.signal })) {
        kinds.push(response.kind.case ?? "none");
        if (response.kind.case === "events") events.push(...response.kind.value.events);
        if (response.kind.case === "caughtUp") await server.store.appendToStream(stream, [{ type: "test.Json", data: new Uint8Array([1]) }]);
        if (events.length === 2) break;
      }
      controller.abort();
      expect(kinds).toEqual(["events", "caughtUp", "events"]);
      expect(events.map((event) => [event.stream, event.revision, event.metadata])).toEqual([
        [stream, 0n, { actor: "ada" }],
        [stream, 1n, {}],
      ]);
    } finally {
      await server.stop();
    }
  });
});

describe("Subscribe: resources and shutdown", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("1,000 subscribe/cancel cycles leave no subscription, listener, timer or read behind", async () => {
    const client = createAnnalsClient({ baseUrl: server.url });
    await client.appendToStream(`cycles-${randomUUID()}`, batch(50));
    const baseline = server.store.subscriptionStats().listeners;
    const started = Date.now();
    for (let cycle = 0; cycle < 1_000; cycle += 1) {
      const controller = new AbortController();
      const subscription = client.subscribe({ all: true, from: cycle % 2 === 0 ? "start" : "end", signal: controller.signal, checkpointEveryMs: 60_000, filter: cycle % 4 === 1 ? { eventTypePrefixes: ["never."] } : undefined });
      const iterator = subscription[Symbol.asyncIterator]();
      // Even cycles stop in the middle of the history, odd ones while waiting for live events.
      const first = iterator.next();
      if (cycle % 2 === 0) await first;
      else await subscription.caughtUp;
      if (cycle % 3 === 0) controller.abort();
      else if (cycle % 3 === 1) subscription.close();
      else await iterator.return?.();
      await first;
    }
    // A client that goes away altogether.
    for (let cycle = 0; cycle < 20; cycle += 1) {
      const other = createAnnalsClient({ baseUrl: server.url });
      const subscription = other.subscribe({ all: true, from: "end", reconnect: false });
      void take(subscription, () => false).catch(() => undefined);
      await subscription.caughtUp;
      other.close();
    }
    const stats = await eventually(
      () => server.store.subscriptionStats(),
      (stats) => stats.active === 0 && stats.listeners === baseline && stats.timers === 0 && stats.reads === 0 && stats.buffered === 0,
    );
    console.log(`1,020 subscribe/cancel cycles in ${Date.now() - started} ms; afterwards: ${JSON.stringify(stats)}`);
    expect(stats).toEqual({ active: 0, listeners: baseline, timers: 0, reads: 0, buffered: 0 });
    client.close();
  });

  it("ends subscriptions with UNAVAILABLE when the server shuts down, without waiting for the grace period", async () => {
    const own = await startTestServer({ server: { shutdownGraceMs: 10_000 } });
    const client = createAnnalsClient({ baseUrl: own.url });
    const subscriptions = [client.subscribe({ all: true, reconnect: false }), client.subscribe({ stream: "s", reconnect: false })];
    const outcomes = subscriptions.map((subscription) => take(subscription, () => false).catch((error: unknown) => error));
    await Promise.all(subscriptions.map((subscription) => subscription.caughtUp));
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    for (const outcome of await Promise.all(outcomes)) expect(outcome).toMatchObject({ code: Code.Unavailable });
    client.close();
  });
});
