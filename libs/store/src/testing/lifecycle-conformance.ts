import { describe, expect, it } from "vitest";
import { InvalidInputError, StreamNotFoundError, StreamTombstonedError, WrongExpectedMetadataRevisionError, WrongExpectedRevisionError } from "../errors.js";
import type { EventStore, RecordedEvent, ScavengeProgress } from "../event-store.js";
import type { SubscriptionMessage } from "../subscriptions/subscription.js";
import { collect, events, rejection } from "./proposed-events.js";

const proposed = events;

async function scavengeAll(store: EventStore, batchSize?: number): Promise<ScavengeProgress[]> {
  const steps: ScavengeProgress[] = [];
  for await (const step of store.scavenge(batchSize === undefined ? {} : { batchSize })) steps.push(step);
  return steps;
}

/** The events of a subscription up to its catch-up, and the message that said so. */
async function history(store: EventStore, options: Parameters<EventStore["subscribe"]>[0]): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  const subscription = store.subscribe(options);
  for await (const message of subscription) {
    if (message.kind === "events") events.push(...message.events);
    if (message.kind === "caught-up") break;
  }
  subscription.close();
  return events;
}

const revisions = (events: readonly RecordedEvent[]) => events.map((event) => event.revision);
const positions = (events: readonly RecordedEvent[]) => events.map((event) => event.position);

/**
 * Stream lifecycle: metadata (retention, versioned), soft delete, tombstone and
 * scavenging. Part of the conformance suite, run against every backend and driver.
 */
export function describeLifecycleConformance(current: () => EventStore, another: () => Promise<EventStore>): void {
  describe("stream metadata", () => {
    it("is stored durably and versioned: compare-and-set from the revision it is at (never set: 0)", async () => {
      const store = current();
      expect(await store.getStreamMetadata("m-1")).toEqual({ stream: "m-1", metadataRevision: 0, custom: {}, deleted: false, tombstoned: false, updatedAt: 0 });
      const first = await store.setStreamMetadata("m-1", { maxCount: 10, maxAgeSeconds: 3_600, truncateBefore: 2, custom: { owner: "billing" } }, { expectedMetadataRevision: 0 });
      expect(first).toMatchObject({ metadataRevision: 1, maxCount: 10, maxAgeSeconds: 3_600, truncateBefore: 2, custom: { owner: "billing" } });
      const conflict = await rejection(store.setStreamMetadata("m-1", { maxCount: 5 }, { expectedMetadataRevision: 0 }));
      expect(conflict).toBeInstanceOf(WrongExpectedMetadataRevisionError);
      expect(conflict).toMatchObject({ stream: "m-1", expected: 0, actual: 1 });
      // Setting replaces: what is left out is unset.
      await store.setStreamMetadata("m-1", { maxCount: 5 }, { expectedMetadataRevision: 1 });
      const other = await another();
      const read = await other.getStreamMetadata("m-1");
      expect(read).toMatchObject({ metadataRevision: 2, maxCount: 5, custom: {} });
      expect(read.truncateBefore).toBeUndefined();
      expect(read.maxAgeSeconds).toBeUndefined();
    });

    it("refuses counts and ages below 1, negative revisions and bad entries, writing nothing", async () => {
      const store = current();
      for (const [metadata, field] of [
        [{ maxCount: -1 }, "max_count"],
        [{ maxCount: 0 }, "max_count"],
        [{ maxAgeSeconds: -5 }, "max_age"],
        [{ maxCount: 1.5 }, "max_count"],
        [{ truncateBefore: -1 }, "truncate_before"],
        [{ custom: { "": "x" } }, "custom"],
      ] as const) {
        const error = await rejection(store.setStreamMetadata("m-bad", metadata as never));
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).field).toBe(field);
      }
      expect(await rejection(store.setStreamMetadata("m-bad", { maxCount: 1 }, { expectedMetadataRevision: -1 }))).toBeInstanceOf(InvalidInputError);
      expect((await store.getStreamMetadata("m-bad")).metadataRevision).toBe(0);
    });

    it("truncate before: every read leaves the earlier events out at once; revisions stay; appends go on", async () => {
      const store = current();
      await store.appendToStream("t-1", proposed(5));
      await store.appendToStream("bystander", proposed(1));
      const ids = (await collect(store.readStream("t-1"))).map((event) => event.id);
      await store.setStreamMetadata("t-1", { truncateBefore: 3 });
      expect(revisions(await collect(store.readStream("t-1")))).toEqual([3, 4]);
      expect(revisions(await collect(store.readStream("t-1", { direction: "backwards" })))).toEqual([4, 3]);
      expect(revisions(await collect(store.readStream("t-1", { from: 1 })))).toEqual([3, 4]);
      expect(positions(await collect(store.readAll()))).toEqual([4, 5, 6]);
      expect(positions(await collect(store.readAll({ direction: "backwards" })))).toEqual([6, 5, 4]);
      expect(await store.getStream("t-1")).toMatchObject({ lastRevision: 4, eventCount: 2 });
      expect((await store.listStreams()).find((stream) => stream.stream === "t-1")).toMatchObject({ eventCount: 2 });
      expect((await store.getEvents(ids)).map((event) => event.revision)).toEqual([3, 4]);
      expect(positions(await history(store, { target: { kind: "all" } }))).toEqual([4, 5, 6]);
      expect(revisions(await history(store, { target: { kind: "stream", stream: "t-1" } }))).toEqual([3, 4]);
      expect(await store.appendToStream("t-1", proposed(1), { expectedRevision: 4 })).toMatchObject({ revision: 5, position: 7 });
      expect(revisions(await collect(store.readStream("t-1")))).toEqual([3, 4, 5]);
    });

    it("max count keeps the last N events, max age those younger than it", async () => {
      const store = current();
      await store.appendToStream("c-1", proposed(6));
      await store.setStreamMetadata("c-1", { maxCount: 2 });
      expect(revisions(await collect(store.readStream("c-1")))).toEqual([4, 5]);
      await store.appendToStream("c-1", proposed(1));
      expect(revisions(await collect(store.readStream("c-1")))).toEqual([5, 6]);
      expect(await store.getStream("c-1")).toMatchObject({ lastRevision: 6, eventCount: 2 });

      await store.appendToStream("a-1", proposed(2));
      await store.setStreamMetadata("a-1", { maxAgeSeconds: 1 });
      expect(revisions(await collect(store.readStream("a-1")))).toEqual([0, 1]);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await store.appendToStream("a-1", proposed(1));
      expect(revisions(await collect(store.readStream("a-1")))).toEqual([2]);
      expect(await store.getStream("a-1")).toMatchObject({ lastRevision: 2, eventCount: 1 });
    });

    it("a live subscriber gets no event that the metadata hides as it is committed", async () => {
      const store = current();
      await store.appendToStream("ahead", proposed(1));
      await store.setStreamMetadata("ahead", { truncateBefore: 3 });
      const subscription = store.subscribe({ target: { kind: "all" }, from: "end" });
      const events: RecordedEvent[] = [];
      const reading = (async () => {
        for await (const message of subscription) {
          if (message.kind === "events") events.push(...message.events);
          if (events.some((event) => event.stream === "last")) break;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await store.appendToStream("ahead", proposed(3));
      await store.appendToStream("last", proposed(1));
      await reading;
      subscription.close();
      expect(events.map((event) => [event.stream, event.revision])).toEqual([
        ["ahead", 3],
        ["last", 0],
      ]);
    });
  });

  describe("soft delete and tombstone", () => {
    it("a deleted stream reads as not found; an append recreates it, its revisions continuing", async () => {
      const store = current();
      await store.appendToStream("d-1", proposed(3));
      await store.appendToStream("keep", proposed(1));
      expect(await rejection(store.deleteStream("d-1", { expectedRevision: 1 }))).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.deleteStream("d-1", { expectedRevision: 2 })).toEqual({ lastRevision: 2 });
      expect(await collect(store.readStream("d-1"))).toEqual([]);
      expect(await store.getStream("d-1")).toBeUndefined();
      expect((await store.listStreams()).map((stream) => stream.stream)).toEqual(["keep"]);
      expect(positions(await collect(store.readAll()))).toEqual([4]);
      expect(await store.getStreamMetadata("d-1")).toMatchObject({ deleted: true, tombstoned: false });
      // Deleting what does not exist is refused.
      expect(await rejection(store.deleteStream("d-1"))).toBeInstanceOf(StreamNotFoundError);
      expect(await rejection(store.deleteStream("never-written"))).toBeInstanceOf(StreamNotFoundError);
      // Recreated with no_stream: revisions continue after the last one, the old events stay gone.
      expect(await store.appendToStream("d-1", proposed(2), { expectedRevision: "no_stream" })).toMatchObject({ revision: 4, position: 6 });
      expect(revisions(await collect(store.readStream("d-1")))).toEqual([3, 4]);
      expect(await store.getStream("d-1")).toMatchObject({ lastRevision: 4, eventCount: 2 });
      expect(await store.getStreamMetadata("d-1")).toMatchObject({ deleted: false });
    });

    it("a tombstoned name is dead for ever: reads, appends, metadata and deletes refuse it", async () => {
      const store = current();
      await store.appendToStream("dead", proposed(2));
      await store.deleteStream("dead", { tombstone: true });
      for (const attempt of [
        () => collect(store.readStream("dead")),
        () => store.getStream("dead"),
        () => store.appendToStream("dead", proposed(1), { expectedRevision: "no_stream" }),
        () => store.appendToStream("dead", proposed(1)),
        () => store.setStreamMetadata("dead", { maxCount: 1 }),
        () => store.deleteStream("dead"),
        () => store.deleteStream("dead", { tombstone: true }),
      ]) {
        expect(await rejection(attempt())).toBeInstanceOf(StreamTombstonedError);
      }
      expect(await collect(store.readAll())).toEqual([]);
      expect(await store.listStreams()).toEqual([]);
      // A name never used can be retired too; another instance sees it retired.
      await store.deleteStream("retired", { tombstone: true });
      const other = await another();
      expect(await rejection(other.appendToStream("retired", proposed(1)))).toBeInstanceOf(StreamTombstonedError);
      expect(await other.getStreamMetadata("retired")).toMatchObject({ tombstoned: true });
    });
  });

  describe("scavenging", () => {
    it("removes what reads hide, in resumable batches; what remains reads the same and appends go on", async () => {
      const store = current();
      await store.appendToStream("s-trunc", proposed(10));
      await store.appendToStream("s-keep", proposed(5));
      await store.appendToStream("s-del", proposed(5));
      await store.setStreamMetadata("s-trunc", { truncateBefore: 6 });
      await store.deleteStream("s-del");
      const before = await collect(store.readAll());
      // A first batch, then the pass stops; the next call resumes from the position kept in the database.
      for await (const step of store.scavenge({ batchSize: 4 })) {
        expect(step).toEqual({ position: 4, headPosition: 20, removed: 4, done: false });
        break;
      }
      const other = await another();
      const rest = await scavengeAll(other, 4);
      expect(rest[0]!.position).toBe(8);
      expect(rest.at(-1)).toMatchObject({ position: 20, done: true });
      // 6 of s-trunc, 5 of s-del (the last event of the log stays, emptied): 4 in the first batch, 6 after.
      expect(rest.reduce((sum, step) => Math.max(sum, step.removed), 0)).toBe(6);
      expect(await collect(store.readAll())).toEqual(before);
      expect(await store.appendToStream("s-del", proposed(1), { expectedRevision: "no_stream" })).toMatchObject({ revision: 5, position: 21 });
      // A new pass starts from the beginning: the former last event of the log goes now, then nothing is left to remove.
      expect((await scavengeAll(store, 100)).at(-1)).toMatchObject({ removed: 1, done: true });
      expect((await scavengeAll(store, 100)).at(-1)).toMatchObject({ removed: 0, done: true });
      expect(await collect(store.readAll())).toEqual([...before, ...(await collect(store.readStream("s-del")))]);
    });

    it("under concurrent appends and a live $all subscriber, loses nothing that remains and duplicates nothing", { timeout: 60_000 }, async () => {
      const store = current();
      await store.appendToStream("old", proposed(300));
      await store.setStreamMetadata("old", { maxCount: 10 });
      const subscription = store.subscribe({ target: { kind: "all" }, checkpointEveryEvents: 50 });
      const received: RecordedEvent[] = [];
      const messages: SubscriptionMessage[] = [];
      let stop = false;
      const reading = (async () => {
        for await (const message of subscription) {
          messages.push(message);
          if (message.kind === "events") received.push(...message.events);
          if (stop && received.some((event) => event.stream === "end")) break;
        }
      })();
      const appending = (async () => {
        for (let round = 0; round < 40; round += 1) {
          await store.appendToStream(`live-${round % 4}`, proposed(5));
          if (round % 10 === 0) await store.appendToStream("old", proposed(5));
        }
      })();
      const scavenging = scavengeAll(store, 25);
      await Promise.all([appending, scavenging]);
      await scavengeAll(store, 25);
      stop = true;
      await store.appendToStream("end", proposed(1));
      await reading;
      subscription.close();
      const expected = await collect(store.readAll());
      const seen = positions(received);
      expect(new Set(seen).size).toBe(seen.length);
      // Every event still there was delivered, in order (the subscriber may also have
      // seen events of "old" that were visible when it read them).
      const delivered = new Set(seen);
      expect(expected.filter((event) => !delivered.has(event.position))).toEqual([]);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
      expect(messages.filter((message) => message.kind === "caught-up")).toHaveLength(1);
      // 300 + 4 appends of 5: revisions 0..319, the last 10 kept.
      expect(revisions(await collect(store.readStream("old")))).toEqual(Array.from({ length: 10 }, (_, index) => 310 + index));
    });
  });
}
