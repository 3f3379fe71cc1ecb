import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidInputError, LimitExceededError, WrongExpectedRevisionError } from "../errors.js";
import type { EventStore, RecordedEvent } from "../event-store.js";
import { describeFacilitiesConformance } from "./conformance-facilities.js";
import { describeSubscriptionConformance } from "./subscription-conformance.js";
import { describeLifecycleConformance } from "./lifecycle-conformance.js";
import { collect, event, events, rejection } from "./proposed-events.js";

/** A fresh, empty store per test, and a way to open a second one on the same database. */
export interface StoreFixture {
  store: EventStore;
  /** Opens another store instance (another connection pool) on the same database. */
  openAnother(): Promise<EventStore>;
  /** Removes the database. The stores are closed by then. */
  cleanup(): Promise<void>;
}

export type StoreFixtureFactory = () => Promise<StoreFixture>;

export { collect, event, events } from "./proposed-events.js";


/**
 * The store's invariants (docs/architecture.md, "Invariants" 1-4), run against every backend and driver.
 * Each test gets a fresh database from `factory`.
 */
export function describeEventStoreConformance(name: string, factory: StoreFixtureFactory): void {
  describe(`EventStore conformance: ${name}`, () => {
    let fixture: StoreFixture;
    let store: EventStore;
    const extra: EventStore[] = [];

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await Promise.all(extra.splice(0).map((other) => other.close()));
      await store.close();
      await fixture.cleanup();
    });

    async function another(): Promise<EventStore> {
      const other = await fixture.openAnother();
      extra.push(other);
      return other;
    }

    describe("append and read", () => {
      it("stores events at contiguous revisions from 0 and answers the last revision and position", async () => {
        const first = await store.appendToStream("cart-1", events(3), { expectedRevision: "no_stream" });
        expect(first).toMatchObject({ revision: 2, position: 3 });
        const second = await store.appendToStream("cart-1", events(2), { expectedRevision: 2 });
        expect(second).toMatchObject({ revision: 4, position: 5 });
        const read = await collect(store.readStream("cart-1"));
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(read.map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
        expect(read.every((e) => e.stream === "cart-1")).toBe(true);
      });

      it("round-trips ids, types, binary data, content type, metadata and a commit time", async () => {
        const before = Date.now();
        const data = Uint8Array.from({ length: 256 }, (_, index) => index);
        const proposed = event("annals.test.v1.Binary", "", { data, contentType: "application/json", metadata: { actor: "ada", "correlation-id": "c-1" } });
        await store.appendToStream("binary-1", [proposed]);
        const [recorded] = await collect(store.readStream("binary-1"));
        expect(recorded).toBeDefined();
        expect(recorded!.id).toBe(proposed.id);
        expect(recorded!.type).toBe("annals.test.v1.Binary");
        expect(Buffer.from(recorded!.data).equals(Buffer.from(data))).toBe(true);
        expect(recorded!.contentType).toBe("application/json");
        expect(recorded!.metadata).toEqual({ actor: "ada", "correlation-id": "c-1" });
        expect(recorded!.recordedAt).toBeGreaterThanOrEqual(before - 1);
        expect(recorded!.recordedAt).toBeLessThanOrEqual(Date.now() + 1);
      });

      it("assigns a time-ordered (version 7) UUID when the id is empty, and defaults the content type to protobuf", async () => {
        const before = Date.now();
        await store.appendToStream("ids-1", [{ type: "t.A", data: new Uint8Array([1]) }, { id: "", type: "t.B", data: new Uint8Array([2]) }]);
        await store.appendToStream("ids-1", [{ type: "t.C", data: new Uint8Array([3]) }]);
        const read = await collect(store.readStream("ids-1"));
        expect(read).toHaveLength(3);
        for (const recorded of read) {
          expect(recorded.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          // The first 48 bits: the milliseconds when the store made the id.
          const ms = Number.parseInt(recorded.id.replaceAll("-", "").slice(0, 12), 16);
          expect(ms).toBeGreaterThanOrEqual(before);
          expect(ms).toBeLessThanOrEqual(Date.now());
          expect(recorded.contentType).toBe("application/protobuf");
        }
        expect(read[0]!.id < read[1]!.id && read[1]!.id < read[2]!.id).toBe(true);
      });

      it("reads a stream forwards, backwards, from a revision and with a max count", async () => {
        await store.appendToStream("s", events(10));
        const revisions = async (options: Parameters<EventStore["readStream"]>[1]) =>
          (await collect(store.readStream("s", options))).map((e) => e.revision);
        expect(await revisions({ from: 4, maxCount: 3 })).toEqual([4, 5, 6]);
        expect(await revisions({ direction: "backwards" })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        expect(await revisions({ direction: "backwards", from: 3 })).toEqual([3, 2, 1, 0]);
        expect(await revisions({ direction: "backwards", from: "end", maxCount: 2 })).toEqual([9, 8]);
        expect(await revisions({ from: 10 })).toEqual([]);
      });

      it("reads a stream longer than one page in order", async () => {
        await store.appendToStream("long", events(2_500));
        const read = await collect(store.readStream("long"));
        expect(read).toHaveLength(2_500);
        expect(read.every((e, index) => e.revision === index)).toBe(true);
        const backwards = await collect(store.readStream("long", { direction: "backwards", maxCount: 1_500 }));
        expect(backwards).toHaveLength(1_500);
        expect(backwards.every((e, index) => e.revision === 2_499 - index)).toBe(true);
      });

      it("reads a stream's events under its exact name, apart from names that differ only in case or accent", async () => {
        const names = ["Konto-Ä/1", "konto-ä/1", "Konto-A/1"];
        const large = event("test.Large", `{"pad":"${"x".repeat(64 * 1024)}"}`);
        for (const name of names) await store.appendToStream(name, [...events(3), ...(name === names[0] ? [large] : [])]);
        for (const name of names) {
          for (const direction of ["forwards", "backwards"] as const) {
            const read = await collect(store.readStream(name, { direction }));
            expect(read).toHaveLength(name === names[0] ? 4 : 3);
            expect(read.every((e) => e.stream === name)).toBe(true);
          }
        }
        const all = await collect(store.readAll());
        expect(all.map((e) => e.stream)).toEqual([names[0], names[0], names[0], names[0], names[1], names[1], names[1], names[2], names[2], names[2]]);
      });

      it("yields nothing for a stream that does not exist", async () => {
        expect(await collect(store.readStream("nobody"))).toEqual([]);
        expect(await store.getStream("nobody")).toBeUndefined();
      });

      it("reads $all in global order, forwards and backwards, from a position", async () => {
        await store.appendToStream("a", events(2));
        await store.appendToStream("b", events(2));
        await store.appendToStream("a", events(1));
        const all = await collect(store.readAll());
        expect(all.map((e) => [e.stream, e.position])).toEqual([
          ["a", 1],
          ["a", 2],
          ["b", 3],
          ["b", 4],
          ["a", 5],
        ]);
        expect((await collect(store.readAll({ from: 3, maxCount: 2 }))).map((e) => e.position)).toEqual([3, 4]);
        expect((await collect(store.readAll({ direction: "backwards", maxCount: 2 }))).map((e) => e.position)).toEqual([5, 4]);
        expect((await collect(store.readAll({ direction: "backwards", from: 2 }))).map((e) => e.position)).toEqual([2, 1]);
        expect(await store.headPosition()).toBe(5);
      });

      it("tells a stream's last revision and position", async () => {
        await store.appendToStream("x", events(3));
        await store.appendToStream("y", events(1));
        expect(await store.getStream("x")).toEqual({ stream: "x", lastRevision: 2, lastPosition: 3 });
        expect(await store.getStream("y")).toEqual({ stream: "y", lastRevision: 0, lastPosition: 4 });
      });

      it("lists streams in name order with their heads, by prefix and page by page", async () => {
        await store.appendToStream("order-2", events(2));
        await store.appendToStream("cart-b", events(1));
        await store.appendToStream("cart-a", events(3));
        await store.appendToStream("cart_x", events(1));
        await store.appendToStream("order-1", events(1));
        const names = (list: Array<{ stream: string }>) => list.map((info) => info.stream);
        expect(names(await store.listStreams())).toEqual(["cart-a", "cart-b", "cart_x", "order-1", "order-2"]);
        const [cartA] = await store.listStreams({ prefix: "cart-", limit: 1 });
        expect(cartA).toEqual({ stream: "cart-a", lastRevision: 2, lastPosition: 6, lastRecordedAt: expect.any(Number) });
        expect(names(await store.listStreams({ prefix: "cart-", after: "cart-a" }))).toEqual(["cart-b"]);
        // "_" and "%" are literal characters of a prefix, not patterns.
        expect(names(await store.listStreams({ prefix: "cart_" }))).toEqual(["cart_x"]);
        expect(names(await store.listStreams({ prefix: "CART" }))).toEqual([]);
        expect(names(await store.listStreams({ after: "order-1", limit: 10 }))).toEqual(["order-2"]);
        await expect(store.listStreams({ limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
      });

      it("lists each stream's last write time: the commit time of its last event", async () => {
        const first = await store.appendToStream("timed-a", events(2));
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.appendToStream("timed-b", events(1));
        const last = await store.appendToStream("timed-a", events(1));
        const listed = await store.listStreams({ prefix: "timed-" });
        const [b] = await collect(store.readStream("timed-b"));
        expect(listed).toEqual([
          { stream: "timed-a", lastRevision: 2, lastPosition: 4, lastRecordedAt: last.recordedAt },
          { stream: "timed-b", lastRevision: 0, lastPosition: 3, lastRecordedAt: b!.recordedAt },
        ]);
        expect(last.recordedAt).toBeGreaterThanOrEqual(first.recordedAt);
      });

      it("keeps what it acknowledged across a reopen", async () => {
        await store.appendToStream("durable", events(5));
        const other = await another();
        expect((await collect(other.readStream("durable"))).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
      });
    });

    describe("optimistic concurrency", () => {
      it("no_stream refuses an existing stream and reports its revision", async () => {
        await store.appendToStream("c", events(2));
        const error = await rejection(store.appendToStream("c", events(1), { expectedRevision: "no_stream" }));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ stream: "c", expected: "no_stream", actual: 1 });
      });

      it("stream_exists refuses a missing stream", async () => {
        const error = await rejection(store.appendToStream("c", events(1), { expectedRevision: "stream_exists" }));
        expect(error).toMatchObject({ kind: "wrong-expected-revision", expected: "stream_exists", actual: undefined });
        await store.appendToStream("c", events(1));
        await expect(store.appendToStream("c", events(1), { expectedRevision: "stream_exists" })).resolves.toMatchObject({ revision: 1, position: 2 });
      });

      it("an exact revision must match the last revision", async () => {
        await store.appendToStream("c", events(3));
        const error = await rejection(store.appendToStream("c", events(1), { expectedRevision: 1 }));
        expect(error).toMatchObject({ expected: 1, actual: 2 });
        const missing = await rejection(store.appendToStream("d", events(1), { expectedRevision: 0 }));
        expect(missing).toMatchObject({ expected: 0, actual: undefined });
        expect(await collect(store.readStream("d"))).toEqual([]);
        await expect(store.appendToStream("c", events(1), { expectedRevision: 2 })).resolves.toMatchObject({ revision: 3, position: 4 });
      });

      it("any appends whatever the state", async () => {
        await expect(store.appendToStream("c", events(1), { expectedRevision: "any" })).resolves.toMatchObject({ revision: 0, position: 1 });
        await expect(store.appendToStream("c", events(1))).resolves.toMatchObject({ revision: 1, position: 2 });
      });

      it("of concurrent appends with the same expected revision exactly one wins", async () => {
        await store.appendToStream("race", events(1));
        const attempts = await Promise.allSettled(Array.from({ length: 20 }, () => store.appendToStream("race", events(2), { expectedRevision: 0 })));
        const won = attempts.filter((attempt) => attempt.status === "fulfilled");
        const lost = attempts.filter((attempt) => attempt.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const attempt of lost) expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect((await collect(store.readStream("race"))).map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it("of concurrent appends from two store instances (two connection pools) exactly one wins", async () => {
        const other = await another();
        await store.appendToStream("race2", events(1));
        const attempts = await Promise.allSettled(
          Array.from({ length: 16 }, (_, index) => (index % 2 ? store : other).appendToStream("race2", events(1), { expectedRevision: 0 })),
        );
        expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
        expect((await collect(store.readStream("race2"))).map((e) => e.revision)).toEqual([0, 1]);
      });

      it("concurrent appends to many streams keep every stream contiguous and positions unique", async () => {
        const other = await another();
        const writers = [store, other];
        await Promise.all(
          Array.from({ length: 40 }, (_, index) =>
            (async () => {
              for (let round = 0; round < 5; round += 1) {
                await writers[index % 2]!.appendToStream(`many-${index % 8}`, events(1 + (round % 3)));
              }
            })(),
          ),
        );
        const all = await collect(store.readAll());
        const positions = all.map((e) => e.position);
        expect(positions).toEqual(positions.map((_, index) => index + 1));
        for (let stream = 0; stream < 8; stream += 1) {
          const revisions = all.filter((e) => e.stream === `many-${stream}`).map((e) => e.revision);
          expect(revisions).toEqual(revisions.map((_, index) => index));
        }
      });
    });

    describe("atomicity", () => {
      it("stores nothing of an append with one bad event", async () => {
        const bad = [event(), event(), { ...event(), type: "" }];
        await expect(store.appendToStream("atomic", bad)).rejects.toBeInstanceOf(InvalidInputError);
        expect(await collect(store.readStream("atomic"))).toEqual([]);
        expect(await store.headPosition()).toBe(0);
      });

      it("a refused append in a group commit does not affect the others", async () => {
        await store.appendToStream("g", events(1));
        const results = await Promise.allSettled([
          store.appendToStream("g1", events(3)),
          store.appendToStream("g", events(2), { expectedRevision: 7 }),
          store.appendToStream("g2", events(2), { expectedRevision: "no_stream" }),
        ]);
        expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
        expect((await collect(store.readStream("g"))).length).toBe(1);
        expect((await collect(store.readStream("g1"))).length).toBe(3);
        expect((await collect(store.readStream("g2"))).length).toBe(2);
        const positions = (await collect(store.readAll())).map((e) => e.position);
        expect(positions).toEqual([1, 2, 3, 4, 5, 6]);
      });

      it("a group commit of appends of many sizes stores every event's fields as sent, at the positions answered", async () => {
        // Sizes around the rows one insert statement binds, so that rows of one append span statements.
        const sizes = [1, 31, 32, 33, 70, 2, 64, 5];
        const sent = sizes.map((size, append) =>
          Array.from({ length: size }, (_, index) =>
            event(`t.Size${append}`, `{"append":${append},"n":${index}}`, {
              id: index % 3 === 0 ? "" : event().id,
              ...(index % 4 === 1 ? { contentType: "application/json" } : {}),
              ...(index % 5 === 2 ? { metadata: { n: String(index) } } : {}),
            }),
          ),
        );
        const results = await Promise.all(sent.map((list, append) => store.appendToStream(`sizes-${append}`, list)));
        const all = await collect(store.readAll());
        expect(all.map((e) => e.position)).toEqual(Array.from({ length: all.length }, (_, index) => index + 1));
        sent.forEach((list, append) => {
          const stored = all.filter((e) => e.stream === `sizes-${append}`);
          expect(stored.map((e) => e.revision)).toEqual(list.map((_, index) => index));
          expect(stored[stored.length - 1]!.position).toBe(results[append]!.position);
          stored.forEach((recorded, index) => {
            const proposed = list[index]!;
            if (proposed.id !== "") expect(recorded.id).toBe(proposed.id);
            expect(recorded.type).toBe(proposed.type);
            expect(Buffer.from(recorded.data).equals(Buffer.from(proposed.data))).toBe(true);
            expect(recorded.contentType).toBe(proposed.contentType ?? "application/protobuf");
            expect(recorded.metadata).toEqual(proposed.metadata ?? {});
            expect(recorded.recordedAt).toBe(results[append]!.recordedAt);
          });
        });
      });
    });

    describe("idempotency", () => {
      it("re-sending an append stores nothing new and answers the original result", async () => {
        const batch = events(3);
        const first = await store.appendToStream("idem", batch, { expectedRevision: "no_stream" });
        await store.appendToStream("other", events(1));
        const again = await store.appendToStream("idem", batch, { expectedRevision: "no_stream" });
        expect(again).toEqual(first);
        expect((await collect(store.readAll())).length).toBe(4);
      });

      it("a retry after later appends still answers the original result", async () => {
        const batch = events(2);
        const first = await store.appendToStream("idem", batch, { expectedRevision: "any" });
        await store.appendToStream("idem", events(2));
        await expect(store.appendToStream("idem", batch, { expectedRevision: "any" })).resolves.toEqual(first);
        await expect(store.appendToStream("idem", batch.slice(0, 1), { expectedRevision: "no_stream" })).resolves.toMatchObject({ revision: 0, position: 1 });
        expect((await collect(store.readStream("idem"))).length).toBe(4);
      });

      it("concurrent duplicates of one append store it once", async () => {
        const batch = events(2);
        const results = await Promise.all(Array.from({ length: 5 }, () => store.appendToStream("dup", batch)));
        expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
        expect((await collect(store.readStream("dup"))).length).toBe(2);
      });

      it("a partial overlap is a conflict and stores nothing", async () => {
        const batch = events(2);
        await store.appendToStream("idem", batch);
        const error = await rejection(store.appendToStream("idem", [batch[0]!, event()]));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((await collect(store.readStream("idem"))).length).toBe(2);
      });

      it("the same ids in another stream are a conflict", async () => {
        const batch = events(1);
        await store.appendToStream("one", batch);
        await expect(store.appendToStream("two", batch)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await collect(store.readStream("two"))).toEqual([]);
      });

      it("ids compare case-insensitively", async () => {
        const proposed = event();
        await store.appendToStream("case", [proposed]);
        await store.appendToStream("case", [{ ...proposed, id: proposed.id!.toUpperCase() }]);
        expect((await collect(store.readStream("case"))).length).toBe(1);
      });
    });

    describe("large events", () => {
      it("reads every size back intact, around a page's per-row share of its byte bound (8 MiB / 1,000 rows), in pages of any length", async () => {
        const sizes = [0, 1, 8_387, 8_388, 8_389, 65_536, 300_000, 2];
        await store.appendToStream(
          "sizes",
          sizes.map((size, index) => event("t", "", { data: new Uint8Array(size).fill(index + 1) })),
        );
        const shape = (recorded: RecordedEvent) => [recorded.revision, recorded.data.byteLength, recorded.data[0], recorded.data[recorded.data.byteLength - 1]];
        const expected = sizes.map((size, index) => [index, size, size === 0 ? undefined : index + 1, size === 0 ? undefined : index + 1]);
        expect((await collect(store.readStream("sizes"))).map(shape)).toEqual(expected);
        for (const maxCount of [1, 2, 3, 5]) {
          for (let from = 0; from < sizes.length; from += maxCount) {
            const page = await collect(store.readStream("sizes", { from, maxCount }));
            expect(page.map(shape)).toEqual(expected.slice(from, from + maxCount));
            expect(page.every((recorded) => recorded.data instanceof Uint8Array)).toBe(true);
          }
        }
        expect((await collect(store.readStream("sizes", { direction: "backwards" }))).map(shape)).toEqual([...expected].reverse());
      });

      it("reads them back in pages bounded by bytes, on every path, every byte intact", async () => {
        const megabyte = 1024 * 1024;
        // 12 events of 1 MiB (distinct bytes) and small ones between them: more than one 8 MiB page.
        for (let index = 0; index < 12; index += 1) {
          await store.appendToStream("large", [event("t", "", { data: new Uint8Array(megabyte).fill(index + 1) })]);
          await store.appendToStream("small", events(3));
        }
        const total = (page: readonly RecordedEvent[]) => page.reduce((sum, recorded) => sum + recorded.data.byteLength, 0);
        const bounded = (page: readonly RecordedEvent[]) => page.length === 1 || total(page) <= 8 * megabyte;
        const pagesOf = async (pages: AsyncIterable<RecordedEvent[]>) => {
          const all: RecordedEvent[][] = [];
          for await (const page of pages) all.push(page);
          return all;
        };
        for (const pages of [await pagesOf(store.readAll()), await pagesOf(store.readStream("large")), await pagesOf(store.readAll({ direction: "backwards" }))]) {
          expect(pages.length).toBeGreaterThan(1);
          expect(pages.every(bounded)).toBe(true);
        }
        const large = (await collect(store.readStream("large"))).map((recorded) => [recorded.revision, recorded.data.byteLength, recorded.data[0], recorded.data[megabyte - 1]]);
        expect(large).toEqual(Array.from({ length: 12 }, (_, index) => [index, megabyte, index + 1, index + 1]));
        expect(await collect(store.readAll())).toHaveLength(12 * 4);
        // Subscription catch-up: the same bound, nothing skipped.
        const subscription = store.subscribe({ target: { kind: "all" } });
        const batches: RecordedEvent[][] = [];
        for await (const message of subscription) {
          if (message.kind === "events") batches.push([...message.events]);
          if (message.kind === "caught-up") break;
        }
        subscription.close();
        expect(batches.every(bounded)).toBe(true);
        expect(batches.flat().map((recorded) => recorded.position)).toEqual(Array.from({ length: 48 }, (_, index) => index + 1));
      });
    });

    describe("global positions", () => {
      it("are unique and strictly increasing across streams and batches", async () => {
        await Promise.all(Array.from({ length: 30 }, (_, index) => store.appendToStream(`p-${index % 4}`, events(1 + (index % 4)))));
        const positions = (await collect(store.readAll())).map((e) => e.position);
        expect(positions).toEqual(Array.from({ length: positions.length }, (_, index) => index + 1));
        expect(await store.headPosition()).toBe(positions.length);
      });

      it("tells listeners what each commit made durable, in order", async () => {
        const heard: number[] = [];
        const stop = store.onAppend((recorded) => heard.push(...recorded.map((e) => e.position)));
        await Promise.all([store.appendToStream("l1", events(2)), store.appendToStream("l2", events(3))]);
        stop();
        await store.appendToStream("l3", events(1));
        expect(heard).toEqual([1, 2, 3, 4, 5]);
      });
    });

    describeFacilitiesConformance(() => store);
    describeSubscriptionConformance(() => store, another);
    describeLifecycleConformance(() => store, another);

    describe("validation", () => {
      const refused = async (promise: Promise<unknown>, kind: unknown, field: string) => {
        const error = await rejection(promise);
        expect(error).toBeInstanceOf(kind as typeof Error);
        expect((error as { field: string }).field).toBe(field);
        expect(await store.headPosition()).toBe(0);
      };

      it("refuses bad stream names", async () => {
        await refused(store.appendToStream("", events(1)), InvalidInputError, "stream");
        await refused(store.appendToStream("x".repeat(257), events(1)), InvalidInputError, "stream");
        await refused(store.appendToStream("a\u0000b", events(1)), InvalidInputError, "stream");
        await refused(store.appendToStream("$all", events(1)), InvalidInputError, "stream");
      });

      it("refuses bad events", async () => {
        await refused(store.appendToStream("v", []), InvalidInputError, "events");
        await refused(store.appendToStream("v", [event("t", "{}", { id: "not-a-uuid" })]), InvalidInputError, "events[0].id");
        const twice = event();
        await refused(store.appendToStream("v", [twice, { ...twice }]), InvalidInputError, "events[1].id");
        await refused(store.appendToStream("v", [event("has space")]), InvalidInputError, "events[0].type");
        await refused(store.appendToStream("v", [event("x".repeat(257))]), InvalidInputError, "events[0].type");
        await refused(store.appendToStream("v", [event("t", "{}", { contentType: "text/plain" })]), InvalidInputError, "events[0].contentType");
      });

      it("refuses appends over the limits", async () => {
        await refused(store.appendToStream("v", events(10_001)), LimitExceededError, "events");
        const big = event("t", "", { data: new Uint8Array(4 * 1024 * 1024 + 1) });
        await refused(store.appendToStream("v", [big]), LimitExceededError, "events");
      });

      it("refuses control characters (NUL included) in every name that reaches SQL, the same on every backend", async () => {
        for (const name of ["a\u0000b", "\u0000", "x\n"]) {
          await refused(store.setCheckpoint(name, 1), InvalidInputError, "name");
          await refused(store.getCheckpoint(name), InvalidInputError, "name");
          await refused(store.listStreams({ prefix: name }), InvalidInputError, "prefix");
          await refused(store.listStreams({ after: name }), InvalidInputError, "after");
          await refused(store.getStream(name), InvalidInputError, "stream");
          expect(() => store.subscribe({ target: { kind: "category", prefix: name } })).toThrow(InvalidInputError);
          expect(() => store.subscribe({ target: { kind: "all" }, filter: { streamPrefixes: [name] } })).toThrow(InvalidInputError);
        }
      });

      it("refuses text with a lone surrogate, which no backend could store as sent", async () => {
        const head = await store.headPosition();
        for (const text of ["a\ud800b", "\udc00", "end\ud83d"]) {
          await refused(store.appendToStream(text, events(1)), InvalidInputError, "stream");
          await refused(store.appendToStream("v", [event("t", "{}", { metadata: { key: text } })]), InvalidInputError, "events[0].metadata.key");
          await refused(store.appendToStream("v", [event("t", "{}", { metadata: { [text]: "v" } })]), InvalidInputError, "events[0].metadata");
          await refused(store.setCheckpoint(text, 1), InvalidInputError, "name");
        }
        // A well-formed pair is fine.
        await store.appendToStream("v-\ud83d\ude00", events(1), { expectedRevision: "no_stream" });
        expect(await store.headPosition()).toBe(head + 1);
      });

      it("refuses a subscription to a stream name no append could use", () => {
        for (const stream of ["", "$all", "a\u0001b", "s".repeat(10_000)]) {
          expect(() => store.subscribe({ target: { kind: "stream", stream } })).toThrow(InvalidInputError);
        }
      });

      it("bounds metadata entries per event, and counts the byte limit in UTF-8 bytes", async () => {
        const many = Object.fromEntries(Array.from({ length: 129 }, (_, index) => [`k${index}`, "v"]));
        await refused(store.appendToStream("v", [event("t", "{}", { metadata: many })]), LimitExceededError, "events[0].metadata");
        // 2.2 million characters, 4.4 MB of UTF-8: refused though fewer characters than the limit.
        const wide = "é".repeat(2_200_000);
        await refused(store.appendToStream("v", [event("t", "{}", { metadata: { wide } })]), LimitExceededError, "events");
        await store.appendToStream("v", [event("t", "{}", { metadata: Object.fromEntries(Array.from({ length: 128 }, (_, index) => [`k${index}`, "v"])) })]);
      });

      it("refuses a negative or fractional expected revision", async () => {
        await refused(store.appendToStream("v", events(1), { expectedRevision: -1 }), InvalidInputError, "expectedRevision");
        await refused(store.appendToStream("v", events(1), { expectedRevision: 1.5 }), InvalidInputError, "expectedRevision");
      });
    });

    describe("metadata", () => {
      it("keeps every key as sent, \"__proto__\" and other names of Object's included", async () => {
        const metadata: Record<string, string> = {};
        for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty", "a"]) Object.defineProperty(metadata, key, { value: `v-${key}`, enumerable: true });
        await store.appendToStream("meta", [event("t", "{}", { metadata })]);
        const [read] = await collect(store.readStream("meta"));
        expect(Object.keys(read!.metadata).sort()).toEqual(["__proto__", "a", "constructor", "hasOwnProperty", "toString"]);
        expect(Object.getOwnPropertyDescriptor(read!.metadata, "__proto__")?.value).toBe("v-__proto__");
        expect(Object.getPrototypeOf(read!.metadata)).toBe(Object.prototype);
      });
    });
  });
}
