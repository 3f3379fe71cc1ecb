import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import type { RecordedEvent } from "../event-store.js";
import { createCommitNotifier } from "./commit-notifier.js";
import { selects } from "./selector.js";
import { createSubscription, createSubscriptionGauge, type SubscribeOptions, type SubscriptionMessage, type SubscriptionSource } from "./subscription.js";

/**
 * An in-memory log whose reads can be interleaved with commits at exact moments,
 * to reach the races a database only shows now and then.
 */
function memoryLog(pageSize = 4) {
  const events: RecordedEvent[] = [];
  const notifier = createCommitNotifier();
  const hooks: { beforeHead?: () => void; afterPage?: (page: RecordedEvent[]) => void } = {};
  const closing = new AbortController();

  function record(stream: string, count: number, type = "t.Happened"): RecordedEvent[] {
    const revision = events.filter((event) => event.stream === stream).length;
    return Array.from({ length: count }, (_, index) => {
      const event: RecordedEvent = {
        id: `${events.length + 1}`,
        type,
        data: new Uint8Array(),
        contentType: "application/protobuf",
        metadata: {},
        stream,
        revision: revision + index,
        position: events.length + 1,
        recordedAt: 0,
      };
      events.push(event);
      return event;
    });
  }

  const source: SubscriptionSource = {
    pageSize,
    notifier,
    closed: closing.signal,
    async headPosition() {
      hooks.beforeHead?.();
      return events.length;
    },
    async readPositionRange(selector, after, upTo, limit) {
      const matching = events.filter((event) => event.position > after && event.position <= upTo && selects(selector, event));
      const page = matching.slice(0, limit);
      hooks.afterPage?.(page);
      return { events: page, more: matching.length >= limit };
    },
    async readStreamAfter(selector, revision, upTo, limit) {
      const matching = events.filter((event) => event.revision > revision && event.position <= upTo && selects(selector, event));
      const page = matching.slice(0, limit);
      hooks.afterPage?.(page);
      return { events: page, more: matching.length >= limit };
    },
    async streamRevisionAt(stream, upTo) {
      return events.filter((event) => event.stream === stream && event.position <= upTo).length - 1;
    },
  };

  return {
    source,
    hooks,
    closing,
    /** Commits and tells the notifier, as the write queue does. */
    commit(stream: string, count: number, type?: string) {
      notifier.publish(record(stream, count, type));
    },
    /** Commits without telling: another process did it. */
    commitElsewhere(stream: string, count: number) {
      return record(stream, count);
    },
    wake() {
      notifier.wake(events.length);
    },
  };
}

async function pull(source: SubscriptionSource, options: Partial<SubscribeOptions>, until: (messages: SubscriptionMessage[]) => boolean, max = 100) {
  const subscription = createSubscription(source, createSubscriptionGauge(), { target: { kind: "all" }, ...options });
  const messages: SubscriptionMessage[] = [];
  for await (const message of subscription) {
    messages.push(message);
    if (until(messages) || messages.length >= max) break;
  }
  return messages;
}

const delivered = (messages: SubscriptionMessage[]) => messages.flatMap((message) => (message.kind === "events" ? message.events.map((event) => event.position) : []));
const kinds = (messages: SubscriptionMessage[]) => messages.map((message) => message.kind);
const hasAll = (count: number) => (messages: SubscriptionMessage[]) => delivered(messages).length >= count;

describe("subscription", () => {
  it("adds one abort listener to the store's close and to a shared signal, however many subscriptions wait on them", async () => {
    const log = memoryLog(10);
    const caller = new AbortController();
    const subscriptions = Array.from({ length: 100 }, () =>
      createSubscription(log.source, createSubscriptionGauge(), { target: { kind: "all" }, signal: caller.signal })[Symbol.asyncIterator](),
    );
    for (const subscription of subscriptions) expect((await subscription.next()).value).toMatchObject({ kind: "caught-up" });
    expect(getEventListeners(log.closing.signal, "abort")).toHaveLength(1);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
    // Every one still ends when the store closes.
    const ends = subscriptions.map((subscription) => subscription.next());
    log.closing.abort();
    for (const end of ends) expect((await end).done).toBe(true);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
  });

  it("delivers once a commit notified between the buffer reset and the head read", async () => {
    const log = memoryLog(10);
    log.commit("a", 3);
    let injected = false;
    log.hooks.beforeHead = () => {
      if (injected) return;
      injected = true;
      log.commit("a", 2); // positions 4 and 5: in the buffer and visible to the read
    };
    const subscription = createSubscription(log.source, createSubscriptionGauge(), { target: { kind: "all" } });
    const messages: SubscriptionMessage[] = [];
    for await (const message of subscription) {
      messages.push(message);
      if (message.kind === "caught-up") log.commit("a", 1);
      if (delivered(messages).includes(6) || messages.length > 10) break;
    }
    expect(kinds(messages)).toEqual(["events", "caught-up", "events"]);
    expect(delivered(messages)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("delivers live, after caught-up, a commit made while the last page was read", async () => {
    const log = memoryLog();
    log.commit("a", 2);
    let injected = false;
    log.hooks.afterPage = () => {
      if (injected) return;
      injected = true;
      log.commit("b", 2); // positions 3, 4: after the head the page was bounded by
    };
    const messages = await pull(log.source, {}, hasAll(4));
    expect(kinds(messages)).toEqual(["events", "caught-up", "events"]);
    expect(messages[1]).toEqual({ kind: "caught-up", position: 2 });
    expect(delivered(messages)).toEqual([1, 2, 3, 4]);
  });

  it("reads the database again on a position-only wake-up and on a gap", async () => {
    const log = memoryLog();
    const subscription = createSubscription(log.source, createSubscriptionGauge(), { target: { kind: "all" } });
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ kind: "caught-up", position: 0 });
    log.commitElsewhere("x", 2);
    log.wake();
    expect((await iterator.next()).value).toMatchObject({ kind: "events", events: [{ position: 1 }, { position: 2 }] });
    log.commitElsewhere("x", 1);
    log.commit("y", 1);
    expect((await iterator.next()).value).toMatchObject({ kind: "events", events: [{ position: 3 }, { position: 4 }] });
    subscription.close();
    expect((await iterator.next()).done).toBe(true);
  });

  it("an overflow during the last read of the catch-up is no fell-behind: it reads again", async () => {
    const log = memoryLog(2);
    log.commit("a", 3);
    let bursts = 0;
    log.hooks.afterPage = (page) => {
      // During the read that reaches the head, more commits than the buffer holds.
      if (page.length < 2 && bursts < 2) {
        bursts += 1;
        log.commit("b", 3);
      }
    };
    const messages = await pull(log.source, { maxLiveBuffer: 2 }, (messages) => messages.some((message) => message.kind === "caught-up"));
    expect(bursts).toBe(2);
    expect(kinds(messages)).not.toContain("fell-behind");
    expect(messages.at(-1)).toEqual({ kind: "caught-up", position: 9 });
    expect(delivered(messages)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("bounds its live buffer in payload bytes as well as in events", async () => {
    const log = memoryLog();
    const gauge = createSubscriptionGauge();
    const subscription = createSubscription(log.source, gauge, { target: { kind: "all" }, maxLiveBufferBytes: 1_000 });
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ kind: "caught-up", position: 0 });
    const big = (stream: string) => {
      const [event] = log.commitElsewhere(stream, 1);
      log.source.notifier.publish([{ ...event!, data: new Uint8Array(600) }]);
    };
    big("a");
    expect(gauge.buffered).toBe(1);
    big("b"); // 1,200 bytes: over the bound
    expect(gauge.buffered).toBe(0);
    expect((await iterator.next()).value).toEqual({ kind: "fell-behind", position: 0 });
    subscription.close();
  });

  it("counts checkpoints from the last report, not from the start of each read", async () => {
    const log = memoryLog(4);
    log.commit("a", 1, "wanted");
    log.commit("a", 9);
    const messages = await pull(log.source, { filter: { eventTypePrefixes: ["wanted"] }, checkpointEveryEvents: 5 }, (messages) =>
      messages.some((message) => message.kind === "caught-up"),
    );
    expect(messages).toEqual([
      { kind: "events", events: [expect.objectContaining({ position: 1 })] },
      { kind: "checkpoint", position: 8 },
      { kind: "caught-up", position: 10 },
    ]);
  });
});
