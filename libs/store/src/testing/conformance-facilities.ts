import { randomUUID } from "node:crypto";
import type { Knex } from "knex";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import type { EventStore, ProposedEvent, RecordedEvent } from "../event-store.js";

const encoder = new TextEncoder();
const proposed = (count: number): ProposedEvent[] =>
  Array.from({ length: count }, (_, index) => ({ id: randomUUID(), type: "test.Happened", data: encoder.encode(`{"n":${index}}`) }));

async function all(store: EventStore, from = 1): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const page of store.readAll({ from })) events.push(...page);
  return events;
}

/** A projection for the tests: per stream, how many events it has seen. */
const counted = "conformance_counted";
async function createCountedTable(trx: Knex): Promise<void> {
  if (await trx.schema.hasTable(counted)) return;
  await trx.schema.createTable(counted, (table) => {
    table.string("stream", 256).primary();
    table.integer("seen").notNullable();
  });
}
async function countEvents(trx: Knex, events: readonly RecordedEvent[]): Promise<void> {
  for (const event of events) {
    const row: { seen: number | string } | undefined = await trx(counted).select("seen").where("stream", event.stream).first();
    if (row) await trx(counted).update({ seen: Number(row.seen) + 1 }).where("stream", event.stream);
    else await trx(counted).insert({ stream: event.stream, seen: 1 });
  }
}
async function seen(store: EventStore): Promise<Record<string, number>> {
  const rows: Array<{ stream: string; seen: number | string }> = await store.projections.read((db) => db(counted).select("stream", "seen"));
  return Object.fromEntries(rows.map((row) => [row.stream, Number(row.seen)]));
}

/**
 * Lookups by event id, snapshots and projections: part of the conformance suite,
 * run against every backend. `current` gives the test's fresh store.
 */
export function describeFacilitiesConformance(current: () => EventStore): void {
  describe("lookup by event id", () => {
    it("finds stored events by id, in position order, case-insensitively, leaving unknown ids out", async () => {
      const store = current();
      const batch = proposed(3);
      await store.appendToStream("found-a", batch.slice(0, 2));
      await store.appendToStream("found-b", batch.slice(2));
      const ids = [batch[2]!.id!.toUpperCase(), randomUUID(), batch[0]!.id!];
      const found = await store.findEvents(ids);
      expect(found.map((event) => [event.stream, event.revision, event.id])).toEqual([
        ["found-a", 0, batch[0]!.id],
        ["found-b", 0, batch[2]!.id],
      ]);
      expect(new TextDecoder().decode(found[1]!.data)).toBe('{"n":2}');
      expect(await store.findEvents([])).toEqual([]);
    });

    it("refuses ids that are not UUIDs", async () => {
      await expect(current().findEvents(["nope"])).rejects.toBeInstanceOf(InvalidInputError);
    });
  });

  describe("snapshots", () => {
    it("answers the latest snapshot at or below a revision, of a type", async () => {
      const store = current();
      const state = (text: string) => encoder.encode(text);
      expect(await store.snapshots.latest("snap")).toBeUndefined();
      await store.snapshots.save({ stream: "snap", revision: 9, type: "test.State", state: state("at 9") });
      await store.snapshots.save({ stream: "snap", revision: 19, type: "test.State", state: state("at 19") });
      await store.snapshots.save({ stream: "snap", revision: 29, type: "test.OtherState", state: state("other at 29") });
      await store.snapshots.save({ stream: "snap-other", revision: 99, type: "test.State", state: state("elsewhere") });
      const text = (snapshot: { state: Uint8Array } | undefined) => (snapshot ? new TextDecoder().decode(snapshot.state) : undefined);
      expect(text(await store.snapshots.latest("snap"))).toBe("other at 29");
      expect(text(await store.snapshots.latest("snap", { type: "test.State" }))).toBe("at 19");
      expect(await store.snapshots.latest("snap", { atOrBelow: 19 })).toMatchObject({ stream: "snap", revision: 19, type: "test.State" });
      expect(text(await store.snapshots.latest("snap", { atOrBelow: 18 }))).toBe("at 9");
      expect(await store.snapshots.latest("snap", { atOrBelow: 8 })).toBeUndefined();
      await store.snapshots.save({ stream: "snap", revision: 9, type: "test.State", state: state("at 9, again") });
      expect(text(await store.snapshots.latest("snap", { atOrBelow: 9 }))).toBe("at 9, again");
    });

    it("refuses a bad stream, revision or type", async () => {
      const store = current();
      const state = new Uint8Array([1]);
      await expect(store.snapshots.save({ stream: "$all", revision: 0, type: "t", state })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.snapshots.save({ stream: "s", revision: -1, type: "t", state })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.snapshots.save({ stream: "s", revision: 0, type: "", state })).rejects.toBeInstanceOf(InvalidInputError);
    });
  });

  describe("projections", () => {
    it("writes rows and checkpoint together, and only from the stored checkpoint", async () => {
      const store = current();
      await store.projections.write(createCountedTable);
      await store.appendToStream("p-a", proposed(2));
      await store.appendToStream("p-b", proposed(1));
      const events = await all(store);
      expect(await store.projections.checkpoint("counter")).toBe(0);
      expect(await store.projections.apply("counter", 0, events.slice(0, 2), countEvents)).toEqual({ applied: true, checkpoint: 2 });
      // A batch handed again (a second process, a retry) counts nothing twice.
      expect(await store.projections.apply("counter", 0, events.slice(0, 2), countEvents)).toEqual({ applied: false, checkpoint: 2 });
      expect(await store.projections.apply("counter", 2, events.slice(2), countEvents)).toEqual({ applied: true, checkpoint: 3 });
      expect(await seen(store)).toEqual({ "p-a": 2, "p-b": 1 });
      expect(await store.projections.checkpoint("counter")).toBe(3);
      expect(await store.projections.checkpoint("another")).toBe(0);
    });

    it("a handler that fails leaves neither rows nor checkpoint behind", async () => {
      const store = current();
      await store.projections.write(createCountedTable);
      await store.appendToStream("p-c", proposed(3));
      const events = await all(store);
      const failing = async (trx: Knex, batch: readonly RecordedEvent[]) => {
        await countEvents(trx, batch);
        throw new Error("crash in the middle of the batch");
      };
      await expect(store.projections.apply("counter", 0, events, failing)).rejects.toThrow("crash in the middle");
      expect(await seen(store)).toEqual({});
      expect(await store.projections.checkpoint("counter")).toBe(0);
      // Appends still work after the rolled back transaction.
      await store.appendToStream("p-c", proposed(1));
      expect(await store.projections.apply("counter", 0, await all(store), countEvents)).toEqual({ applied: true, checkpoint: 4 });
      expect(await seen(store)).toEqual({ "p-c": 4 });
    });

    it("a reset empties the rows and the checkpoint in one transaction", async () => {
      const store = current();
      await store.projections.write(createCountedTable);
      await store.appendToStream("p-d", proposed(2));
      await store.projections.apply("counter", 0, await all(store), countEvents);
      await store.projections.reset("counter", async (trx) => {
        await trx(counted).delete();
      });
      expect(await store.projections.checkpoint("counter")).toBe(0);
      expect(await seen(store)).toEqual({});
      expect(await store.projections.apply("counter", 0, await all(store), countEvents)).toEqual({ applied: true, checkpoint: 2 });
    });

    it("refuses a batch out of order or not after the start", async () => {
      const store = current();
      await store.appendToStream("p-e", proposed(2));
      const events = await all(store);
      await expect(store.projections.apply("counter", 0, [], countEvents)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.projections.apply("counter", 1, events, countEvents)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.projections.apply("counter", 0, [...events].reverse(), countEvents)).rejects.toBeInstanceOf(InvalidInputError);
    });

    it("transactions of projections, snapshots and appends running together all commit", async () => {
      const store = current();
      await store.projections.write(createCountedTable);
      await store.appendToStream("p-f", proposed(1));
      const first = await all(store);
      const work: Array<Promise<unknown>> = [];
      for (let index = 0; index < 20; index += 1) {
        work.push(store.appendToStream("p-f", proposed(1)));
        work.push(store.snapshots.save({ stream: "p-f", revision: index, type: "test.State", state: new Uint8Array([index]) }));
      }
      work.push(store.projections.apply("counter", 0, first, countEvents));
      await Promise.all(work);
      expect((await all(store)).length).toBe(21);
      expect((await store.snapshots.latest("p-f"))?.revision).toBe(19);
      expect(await seen(store)).toEqual({ "p-f": 1 });
    });
  });
}
