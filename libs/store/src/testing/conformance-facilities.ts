import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidInputError, LimitExceededError, WrongExpectedCheckpointError } from "../errors.js";
import type { EventStore, ProposedEvent, RecordedEvent } from "../event-store.js";

const encoder = new TextEncoder();
const proposed = (count: number): ProposedEvent[] =>
  Array.from({ length: count }, (_, index) => ({ id: randomUUID(), type: "test.Happened", data: encoder.encode(`{"n":${index}}`) }));

async function readBack(store: EventStore, stream: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const page of store.readStream(stream)) events.push(...page);
  return events;
}

/**
 * Lookups by event id, commit times in append answers and compare-and-set
 * checkpoints: part of the conformance suite, run against every backend.
 * `current` gives the test's fresh store.
 */
export function describeFacilitiesConformance(current: () => EventStore): void {
  describe("lookup by event id", () => {
    it("finds stored events by id, in position order, case-insensitively, leaving unknown ids out", async () => {
      const store = current();
      const batch = proposed(3);
      await store.appendToStream("found-a", batch.slice(0, 2));
      await store.appendToStream("found-b", batch.slice(2));
      const ids = [batch[2]!.id!.toUpperCase(), randomUUID(), batch[0]!.id!];
      const found = await store.getEvents(ids);
      expect(found.map((event) => [event.stream, event.revision, event.id])).toEqual([
        ["found-a", 0, batch[0]!.id],
        ["found-b", 0, batch[2]!.id],
      ]);
      expect(new TextDecoder().decode(found[1]!.data)).toBe('{"n":2}');
      expect(await store.getEvents([])).toEqual([]);
    });

    it("refuses a lookup whose events weigh more than one answer holds, before loading them", async () => {
      const store = current();
      const big = () => ({ id: randomUUID(), type: "test.Big", data: new Uint8Array(3 * 1024 * 1024) });
      const [first, second] = [big(), big()];
      await store.appendToStream("big-a", [first]);
      await store.appendToStream("big-b", [second]);
      expect((await store.getEvents([first.id])).map((event) => event.data.byteLength)).toEqual([3 * 1024 * 1024]);
      await expect(store.getEvents([first.id, second.id])).rejects.toBeInstanceOf(LimitExceededError);
    });

    it("refuses ids that are not UUIDs, and more ids than one lookup takes", async () => {
      await expect(current().getEvents(["nope"])).rejects.toBeInstanceOf(InvalidInputError);
      await expect(current().getEvents(Array.from({ length: 1_001 }, () => randomUUID()))).rejects.toBeInstanceOf(LimitExceededError);
    });
  });

  describe("commit times", () => {
    it("an append answers the commit time of its events; a retry answers the original one", async () => {
      const store = current();
      const batch = proposed(2);
      const first = await store.appendToStream("timed", batch, { expectedRevision: "no_stream" });
      const stored = await readBack(store, "timed");
      expect(stored.map((event) => event.recordedAt)).toEqual([first.recordedAt, first.recordedAt]);
      expect(stored.map((event) => event.position)).toEqual([first.position - 1, first.position]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const retry = await store.appendToStream("timed", batch, { expectedRevision: "no_stream" });
      expect(retry).toEqual(first);
    });
  });

  describe("compare-and-set checkpoints", () => {
    it("moves a checkpoint only from the expected position; a checkpoint never set is at 0", async () => {
      const store = current();
      expect(await store.setCheckpoint("cas", 5, { expectedPosition: 0 })).toMatchObject({ name: "cas", position: 5 });
      const conflict = await store.setCheckpoint("cas", 9, { expectedPosition: 0 }).catch((error: unknown) => error);
      expect(conflict).toBeInstanceOf(WrongExpectedCheckpointError);
      expect(conflict).toMatchObject({ checkpoint: "cas", expected: 0, actual: 5 });
      expect(await store.getCheckpoint("cas")).toMatchObject({ position: 5 });
      await store.setCheckpoint("cas", 9, { expectedPosition: 5 });
      // Without an expectation the write is unconditional, as before.
      await store.setCheckpoint("cas", 3);
      expect(await store.getCheckpoint("cas")).toMatchObject({ position: 3 });
      await expect(store.setCheckpoint("cas", 4, { expectedPosition: -1 })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it("lists checkpoints in name order with their positions and times, by prefix and page by page", async () => {
      const store = current();
      const before = Date.now();
      await store.setCheckpoint("read-model-b", 7);
      await store.setCheckpoint("read-model-a", 3);
      await store.setCheckpoint("read_model", 1);
      await store.setCheckpoint("mailer", 12);
      await store.setCheckpoint("read-model-a", 5);
      const names = (list: Array<{ name: string }>) => list.map((checkpoint) => checkpoint.name);
      const all = await store.listCheckpoints();
      expect(names(all)).toEqual(["mailer", "read-model-a", "read-model-b", "read_model"]);
      expect(all[1]).toEqual({ name: "read-model-a", position: 5, updatedAt: expect.any(Number) });
      expect(all[1]!.updatedAt).toBeGreaterThanOrEqual(before);
      expect(all[1]).toEqual(await store.getCheckpoint("read-model-a"));
      expect(names(await store.listCheckpoints({ prefix: "read-", limit: 1 }))).toEqual(["read-model-a"]);
      expect(names(await store.listCheckpoints({ prefix: "read-", after: "read-model-a" }))).toEqual(["read-model-b"]);
      // "_" and "%" are literal characters of a prefix, not patterns.
      expect(names(await store.listCheckpoints({ prefix: "read_" }))).toEqual(["read_model"]);
      expect(names(await store.listCheckpoints({ prefix: "READ" }))).toEqual([]);
      expect(names(await store.listCheckpoints({ after: "read-model-b", limit: 10 }))).toEqual(["read_model"]);
      await expect(store.listCheckpoints({ limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.listCheckpoints({ limit: 1_001 })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it("of consumers racing from one position, exactly one moves the checkpoint", async () => {
      const store = current();
      await store.setCheckpoint("race", 10);
      const attempts = await Promise.allSettled(Array.from({ length: 16 }, (_, index) => store.setCheckpoint("race", 100 + index, { expectedPosition: 10 })));
      const won = attempts.flatMap((attempt, index) => (attempt.status === "fulfilled" ? [100 + index] : []));
      expect(won).toHaveLength(1);
      for (const attempt of attempts) if (attempt.status === "rejected") expect(attempt.reason).toBeInstanceOf(WrongExpectedCheckpointError);
      expect(await store.getCheckpoint("race")).toMatchObject({ position: won[0] });
    });
  });
}
