import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import type { EventStore, ProposedEvent, RecordedEvent } from "../event-store.js";
import type { SubscribeOptions, Subscription, SubscriptionMessage } from "../subscriptions/subscription.js";

const encoder = new TextEncoder();
const proposed = (count: number, type = "test.Happened"): ProposedEvent[] =>
  Array.from({ length: count }, (_, index) => ({ id: randomUUID(), type, data: encoder.encode(`{"n":${index}}`) }));

/** Reads a subscription until `done` says so, within `timeoutMs`; closes it then. */
async function take(
  subscription: Subscription,
  done: (messages: readonly SubscriptionMessage[], events: readonly RecordedEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ messages: SubscriptionMessage[]; events: RecordedEvent[] }> {
  const messages: SubscriptionMessage[] = [];
  const events: RecordedEvent[] = [];
  const timer = setTimeout(() => subscription.close(), timeoutMs);
  try {
    for await (const message of subscription) {
      messages.push(message);
      if (message.kind === "events") events.push(...message.events);
      if (done(messages, events)) break;
    }
  } finally {
    clearTimeout(timer);
    subscription.close();
  }
  return { messages, events };
}

const caughtUp = (messages: readonly SubscriptionMessage[]) => messages.some((message) => message.kind === "caught-up");
const positions = (events: readonly RecordedEvent[]) => events.map((event) => event.position);
const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, index) => first + index);

/**
 * Invariant 5 (catch-up then live, exactly once; bounded memory for slow
 * consumers) and named checkpoints: part of the conformance suite, run against
 * every backend. `current` gives the test's fresh store, `another` a second store
 * on the same database (standing for another server process).
 */
export function describeSubscriptionConformance(current: () => EventStore, another: () => Promise<EventStore>): void {
  describe("subscriptions (invariant 5)", () => {
    const subscribe = (options: Partial<SubscribeOptions> = {}) => current().subscribe({ target: { kind: "all" }, ...options });

    it("replays the history after the start, says once that it caught up, then delivers live events", async () => {
      const store = current();
      await store.appendToStream("a", proposed(3));
      await store.appendToStream("b", proposed(2));
      const subscription = subscribe({ from: { afterPosition: 1 } });
      const appended = (async () => {
        await store.appendToStream("c", proposed(2));
      })();
      // "c" may commit before the first read (history) or after it (live): wait for both the events and the marker.
      const { messages, events } = await take(subscription, (messages, events) => events.length >= 6 && caughtUp(messages));
      await appended;
      expect(positions(events)).toEqual([2, 3, 4, 5, 6, 7]);
      const markers = messages.filter((message) => message.kind === "caught-up");
      expect(markers).toHaveLength(1);
      expect((markers[0] as { position: number }).position).toBeGreaterThanOrEqual(5);
    });

    it("delivers every event exactly once and in order across the switch to live, with appends throughout", async () => {
      const store = current();
      for (let index = 0; index < 5; index += 1) await store.appendToStream(`history-${index}`, proposed(500));
      const appending = Array.from({ length: 4 }, async (_, writer) => {
        for (let index = 0; index < 150; index += 1) {
          await store.appendToStream(`live-${writer}`, proposed(1 + (index % 3)));
          if (index % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
      });
      // The last position to wait for, known once the writers are done.
      let last = Number.POSITIVE_INFINITY;
      // Subscribers start while the writers run: each switches to live at a different moment.
      const subscribers = [0, 1, 2].map(async (index) => {
        await new Promise((resolve) => setTimeout(resolve, index * 15));
        return take(subscribe(), (messages, events) => caughtUp(messages) && (events.at(-1)?.position ?? 0) >= last);
      });
      await Promise.all(appending);
      last = (await store.headPosition()) + 1;
      await store.appendToStream("done", proposed(1));
      for (const { messages, events } of await Promise.all(subscribers)) {
        expect(positions(events)).toEqual(range(1, last));
        expect(messages.filter((message) => message.kind === "caught-up")).toHaveLength(1);
      }
    });

    it("delivers events as stored: binary data, empty data, metadata, content type", async () => {
      const store = current();
      const binary = Uint8Array.from({ length: 256 }, (_, index) => index);
      await store.appendToStream("exact-1", [
        { id: randomUUID(), type: "t.Binary", data: binary },
        { id: randomUUID(), type: "t.Empty", data: new Uint8Array(0), metadata: { actor: "ada" } },
        { id: randomUUID(), type: "t.Json", data: encoder.encode('{"a":1}'), contentType: "application/json" },
      ]);
      const history = await take(subscribe(), caughtUp);
      const live = subscribe({ from: { afterPosition: 3 } });
      await store.appendToStream("exact-2", [{ id: randomUUID(), type: "t.Binary", data: binary, metadata: { "correlation-id": "c-1" } }]);
      const { events } = await take(live, (_, events) => events.length >= 1);
      for (const [event, data] of [
        [history.events[0]!, binary],
        [history.events[1]!, new Uint8Array(0)],
        [events[0]!, binary],
      ] as const) {
        expect(Buffer.from(event.data).equals(Buffer.from(data))).toBe(true);
      }
      expect(history.events.map((event) => [event.type, event.contentType, event.metadata])).toEqual([
        ["t.Binary", "application/protobuf", {}],
        ["t.Empty", "application/protobuf", { actor: "ada" }],
        ["t.Json", "application/json", {}],
      ]);
      expect(events[0]!.metadata).toEqual({ "correlation-id": "c-1" });
    });

    it("follows one stream after a revision, or from its end", async () => {
      const store = current();
      await store.appendToStream("s-1", proposed(3));
      await store.appendToStream("other", proposed(2));
      const fromRevision = store.subscribe({ target: { kind: "stream", stream: "s-1" }, from: { afterRevision: 0 } });
      const fromEnd = store.subscribe({ target: { kind: "stream", stream: "s-1" }, from: "end" });
      const first = await take(fromEnd, caughtUp);
      expect(first.messages).toEqual([{ kind: "caught-up", position: 5, revision: 2 }]);
      await store.appendToStream("other", proposed(1));
      await store.appendToStream("s-1", proposed(2));
      const { events } = await take(fromRevision, (_, events) => events.length >= 4);
      expect(events.map((event) => [event.stream, event.revision])).toEqual([
        ["s-1", 1],
        ["s-1", 2],
        ["s-1", 3],
        ["s-1", 4],
      ]);
      const missing = await take(store.subscribe({ target: { kind: "stream", stream: "nobody" }, from: "end" }), caughtUp);
      expect(missing.messages).toEqual([{ kind: "caught-up", position: 8, revision: -1 }]);
    });

    it("selects a category and filters by stream and type prefix, in history and live alike", async () => {
      const store = current();
      const write = async () => {
        await store.appendToStream("cart-1", proposed(2, "cart.Opened"));
        await store.appendToStream("cartography-1", proposed(1, "cart.Opened"));
        await store.appendToStream("order-1", proposed(1, "shop.Ordered"));
        await store.appendToStream("cart-2", proposed(1, "cart.ItemAdded"));
        await store.appendToStream("CART-3", proposed(1, "cart.Opened"));
      };
      await write();
      const category = subscribe({ target: { kind: "category", prefix: "cart-" } });
      const types = subscribe({ filter: { eventTypePrefixes: ["cart.Item", "shop."] } });
      const both = subscribe({ target: { kind: "category", prefix: "cart" }, filter: { eventTypePrefixes: ["cart.Opened"], streamPrefixes: ["cartography", "cart-2"] } });
      await take(subscribe(), caughtUp);
      await write();
      const streamsOf = (events: readonly RecordedEvent[]) => events.map((event) => event.stream);
      const history = ["cart-1", "cart-1", "cart-2"];
      expect(streamsOf((await take(category, (_, events) => events.length >= 6)).events)).toEqual([...history, ...history]);
      expect(streamsOf((await take(types, (_, events) => events.length >= 4)).events)).toEqual(["order-1", "cart-2", "order-1", "cart-2"]);
      expect(streamsOf((await take(both, (_, events) => events.length >= 2)).events)).toEqual(["cartography-1", "cartography-1"]);
    });

    it("sends checkpoints while a filter matches nothing: every N positions scanned, and after T ms", async () => {
      const store = current();
      for (let index = 0; index < 5; index += 1) await store.appendToStream(`noise-${index}`, proposed(500));
      const subscription = subscribe({ filter: { eventTypePrefixes: ["never."] }, checkpointEveryEvents: 1_000, checkpointEveryMs: 200 });
      const history = await take(subscription, caughtUp);
      const checkpoints = history.messages.filter((message) => message.kind === "checkpoint").map((message) => (message as { position: number }).position);
      expect(checkpoints).toEqual([1_000, 2_000]);
      expect(history.messages.at(-1)).toEqual({ kind: "caught-up", position: 2_500 });

      const live = subscribe({ filter: { eventTypePrefixes: ["never."] }, checkpointEveryMs: 200, from: "end" });
      const started = Date.now();
      const appending = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.appendToStream("noise-live", proposed(10));
      })();
      const { messages } = await take(live, (messages) => messages.some((message) => message.kind === "checkpoint"));
      await appending;
      expect(messages.at(-1)).toEqual({ kind: "checkpoint", position: 2_510 });
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it("serves a subscriber that stops pulling from the database again instead of buffering, without loss", async () => {
      const store = current();
      const subscription = subscribe({ maxLiveBuffer: 100 });
      const iterator = subscription[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.value).toEqual({ kind: "caught-up", position: 0 });
      let mostBuffered = 0;
      for (let index = 0; index < 20; index += 1) {
        await store.appendToStream(`burst-${index % 3}`, proposed(50));
        mostBuffered = Math.max(mostBuffered, store.subscriptionStats().buffered);
      }
      expect(mostBuffered).toBeLessThanOrEqual(100);
      const messages: SubscriptionMessage[] = [];
      const events: RecordedEvent[] = [];
      const deadline = Date.now() + 10_000;
      while (events.length < 1_000 && Date.now() < deadline) {
        const next = await iterator.next();
        if (next.done) break;
        messages.push(next.value);
        if (next.value.kind === "events") events.push(...next.value.events);
      }
      subscription.close();
      expect(messages[0]).toEqual({ kind: "fell-behind", position: 0 });
      expect(positions(events)).toEqual(range(1, 1_000));
      expect(messages.filter((message) => message.kind === "caught-up")).toHaveLength(0);
    });

    it("picks up events another store instance committed on the same database", async () => {
      const store = current();
      const other = await another();
      await store.appendToStream("here", proposed(1));
      const subscription = subscribe();
      const iterator = subscription[Symbol.asyncIterator]();
      const received: RecordedEvent[] = [];
      for (let next = await iterator.next(); !next.done && next.value.kind !== "caught-up"; next = await iterator.next()) {
        if (next.value.kind === "events") received.push(...next.value.events);
      }
      await other.appendToStream("elsewhere", proposed(2));
      await store.appendToStream("here", proposed(1));
      const { events } = await take({ [Symbol.asyncIterator]: () => iterator, close: () => subscription.close() }, (_, events) => events.length >= 3);
      expect([...received, ...events].map((event) => [event.stream, event.position])).toEqual([
        ["here", 1],
        ["elsewhere", 2],
        ["elsewhere", 3],
        ["here", 4],
      ]);
    });

    it("releases its listener, timer and reads when it ends, however it ends", async () => {
      const store = current();
      await store.appendToStream("x", proposed(10));
      const baseline = store.subscriptionStats().listeners;
      for (let cycle = 0; cycle < 300; cycle += 1) {
        const controller = new AbortController();
        const subscription = subscribe({ filter: { eventTypePrefixes: ["never."] }, signal: controller.signal, checkpointEveryMs: 60_000 });
        const iterator = subscription[Symbol.asyncIterator]();
        await iterator.next(); // caught up
        if (cycle % 10 === 0) {
          // An event the filter skips: the subscription then waits with a checkpoint timer.
          await store.appendToStream("x", proposed(1));
          expect(store.subscriptionStats().timers).toBe(0);
        }
        const waiting = iterator.next();
        await new Promise((resolve) => setImmediate(resolve));
        if (cycle % 10 === 0) expect(store.subscriptionStats().timers).toBe(1);
        if (cycle % 3 === 0) controller.abort();
        else if (cycle % 3 === 1) subscription.close();
        else void iterator.return?.();
        expect((await waiting).done).toBe(true);
      }
      const never = subscribe();
      never.close();
      expect(store.subscriptionStats()).toEqual({ active: 0, listeners: baseline, timers: 0, reads: 0, buffered: 0 });
    });

    it("refuses a revision start on $all and a position start on a stream", () => {
      expect(() => subscribe({ from: { afterRevision: 1 } })).toThrow(InvalidInputError);
      expect(() => current().subscribe({ target: { kind: "stream", stream: "s" }, from: { afterPosition: 1 } })).toThrow(InvalidInputError);
      expect(() => subscribe({ filter: { eventTypePrefixes: [""] } })).toThrow(InvalidInputError);
    });
  });

  describe("named checkpoints", () => {
    it("stores, moves and reads checkpoints, which survive a reopen", async () => {
      const store = current();
      expect(await store.getCheckpoint("read-model")).toBeUndefined();
      const before = Date.now();
      await store.setCheckpoint("read-model", 10);
      await store.setCheckpoint("read-model", 42);
      await store.setCheckpoint("other", 0);
      const checkpoint = await store.getCheckpoint("read-model");
      expect(checkpoint).toMatchObject({ name: "read-model", position: 42 });
      expect(checkpoint!.updatedAt).toBeGreaterThanOrEqual(before - 1);
      const reopened = await another();
      expect(await reopened.getCheckpoint("read-model")).toMatchObject({ position: 42 });
      expect(await reopened.getCheckpoint("other")).toMatchObject({ position: 0 });
    });

    it("runs between appends without disturbing them", async () => {
      const store = current();
      await Promise.all([
        ...Array.from({ length: 20 }, (_, index) => store.appendToStream(`c-${index}`, proposed(5))),
        ...Array.from({ length: 20 }, (_, index) => store.setCheckpoint(`c-${index % 4}`, index)),
      ]);
      expect(await store.headPosition()).toBe(100);
      expect(await store.getCheckpoint("c-3")).toMatchObject({ position: 19 });
    });

    it("refuses an empty name and a negative position", async () => {
      await expect(current().setCheckpoint("", 1)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(current().setCheckpoint("x", -1)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(current().getCheckpoint("x".repeat(257))).rejects.toBeInstanceOf(InvalidInputError);
    });
  });
}
