import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { appendLockKeys, postgresOrderings } from "./dialect/postgres.js";
import { InvalidInputError, StoreUnavailableError, WrongExpectedRevisionError } from "./errors.js";
import type { AppendResult, EventStore, ProposedEvent, RecordedEvent } from "./event-store.js";
import { migrations } from "./migrations/index.js";
import { dialectFor, openEventStore, type OpenEventStoreOptions } from "./open-event-store.js";
import { collect, describeEventStoreConformance, event, events } from "./testing/conformance.js";
import { createThrowawaySchema, sessionsNamed, startPostgresRelay, testPostgresUrl, unusedPort, type ThrowawaySchema, withPostgresClient } from "./testing/postgres.js";

// Under the xid ordering every transaction open anywhere on the PostgreSQL server holds
// `$all` readers back, so the timing-bound subscription rules of the conformance suite
// are flaky while other suites run beside it: the whole suite in xid mode runs with
// ANNALS_PG_XID_CONFORMANCE=1; the gap-safety proof and the xid rules below always run.
const conformanceOrderings = process.env["ANNALS_PG_XID_CONFORMANCE"] === "1" ? postgresOrderings : (["lock"] as const);
for (const ordering of conformanceOrderings) {
  describeEventStoreConformance(ordering === "lock" ? "postgres" : `postgres (${ordering} ordering)`, async () => {
    const scratch = await createThrowawaySchema();
    const open = () => openEventStore({ database: scratch.url, postgresSchema: scratch.schema, postgresPoolSize: 4, postgresOrdering: ordering });
    try {
      return { store: await open(), openAnother: open, cleanup: () => scratch.drop() };
    } catch (error) {
      await scratch.drop();
      throw error;
    }
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settles to how `promise` ended and how long it took, in milliseconds. */
async function timed(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
    return { error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

describe("postgres backend", () => {
  const schemas: ThrowawaySchema[] = [];
  const stores: EventStore[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined)));
    await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
  });

  async function scratch(create = true): Promise<ThrowawaySchema> {
    const schema = await createThrowawaySchema({ create });
    schemas.push(schema);
    return schema;
  }

  async function open(schema: ThrowawaySchema, options: OpenEventStoreOptions = {}): Promise<EventStore> {
    const store = await openEventStore({ database: schema.url, postgresSchema: schema.schema, postgresPoolSize: 3, ...options });
    stores.push(store);
    return store;
  }

  async function rawClient(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => undefined);
    await client.connect();
    cleanups.push(() => client.end());
    return client;
  }

  describe("schema", () => {
    it("creates its schema when missing and keeps the migration bookkeeping in it", async () => {
      const schema = await scratch(false);
      const store = await open(schema);
      await store.appendToStream("s", events(2));
      const tables = await withPostgresClient(schema.url, async (client) => {
        const result = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = $1 order by 1", [schema.schema]);
        return result.rows.map((row) => row.table_name);
      });
      expect(tables).toEqual(expect.arrayContaining(["events", "knex_migrations", "knex_migrations_lock", "streams"]));
    });

    it("instances starting together on an empty database migrate it once", async () => {
      const schema = await scratch(false);
      const opened = await Promise.all(Array.from({ length: 4 }, () => open(schema)));
      await Promise.all(opened.map((store, index) => store.appendToStream(`s-${index}`, events(1))));
      const applied = await withPostgresClient(schema.url, (client) =>
        client.query<{ name: string }>(`select name from "${schema.schema}".knex_migrations order by id`),
      );
      expect(applied.rows.map((row) => row.name)).toEqual(migrations.map((migration) => migration.name));
      expect(await opened[0]!.headPosition()).toBe(4);
    });

    it("keeps schemas apart: data and the append lock are per schema", async () => {
      const [a, b] = [await scratch(), await scratch()];
      const [storeA, storeB] = [await open(a), await open(b)];
      await storeA.appendToStream("s", events(2));
      const holder = await rawClient(a.url);
      await holder.query("begin");
      await holder.query("select pg_advisory_xact_lock($1, $2)", [...appendLockKeys(a.schema)]);
      // Schema A's appends wait for the lock holder; schema B's do not.
      await expect(storeB.appendToStream("s", events(1))).resolves.toMatchObject({ revision: 0, position: 1 });
      expect(await storeB.headPosition()).toBe(1);
      await holder.query("rollback");
    });

    it("takes the schema from the URL's schema parameter, and passes the other parameters on", async () => {
      const schema = await scratch(false);
      const url = `${schema.url}?application_name=${schema.schema}&schema=${schema.schema}&connect_timeout=5`;
      const store = await openEventStore({ database: url });
      stores.push(store);
      await store.appendToStream("s", events(1));
      const seen = await withPostgresClient(schema.url, async (client) => ({
        events: (await client.query<{ n: string }>(`select count(*) as n from "${schema.schema}".events`)).rows[0]!.n,
        sessions: await sessionsNamed(schema.url, schema.schema),
      }));
      expect(seen.events).toBe("1");
      expect(Number(seen.sessions)).toBeGreaterThan(0);
    });

    it("refuses a schema parameter that is empty, too long, repeated, or contradicts postgresSchema", async () => {
      const base = testPostgresUrl();
      const schemaOf = async (options: OpenEventStoreOptions) => {
        const dialect = dialectFor(options);
        await dialect.close();
        return dialect.schema;
      };
      expect(await schemaOf({ database: `${base}?schema=tenant%20a` })).toBe("tenant a");
      expect(await schemaOf({ database: `${base}?schema=a`, postgresSchema: "a" })).toBe("a");
      expect(await schemaOf({ database: base })).toBe("public");
      for (const database of [`${base}?schema=`, `${base}?schema=${"x".repeat(64)}`, `${base}?schema=a&schema=b`, `${base}?schema=%zz`]) {
        expect(() => dialectFor({ database }), database).toThrow(InvalidInputError);
      }
      expect(() => dialectFor({ database: `${base}?schema=a`, postgresSchema: "b" })).toThrow(InvalidInputError);
    });
  });

  for (const ordering of postgresOrderings)
  describe(`concurrency across 8 store instances (8 connection pools), ${ordering} ordering`, () => {
    it("of concurrent appends with the same expected revision exactly one wins, in every round", async () => {
      const schema = await scratch();
      const writers = await Promise.all(Array.from({ length: 8 }, () => open(schema, { postgresOrdering: ordering })));
      const rounds = 25;
      const perWriter = 4;
      for (let round = 0; round < rounds; round += 1) {
        const expectedRevision = round === 0 ? "no_stream" : round - 1;
        const attempts = await Promise.allSettled(
          writers.flatMap((writer) => Array.from({ length: perWriter }, () => writer.appendToStream("contested", events(1), { expectedRevision }))),
        );
        const won = attempts.filter((attempt): attempt is PromiseFulfilledResult<AppendResult> => attempt.status === "fulfilled");
        const lost = attempts.filter((attempt): attempt is PromiseRejectedResult => attempt.status === "rejected");
        expect(won.map((attempt) => attempt.value.revision)).toEqual([round]);
        expect(lost).toHaveLength(writers.length * perWriter - 1);
        for (const attempt of lost) {
          expect(attempt.reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect(attempt.reason).toMatchObject({ expected: expectedRevision, actual: round });
        }
      }
      const stream = await collect(writers[0]!.readStream("contested"));
      expect(stream.map((e) => e.revision)).toEqual(Array.from({ length: rounds }, (_, index) => index));
      const positions = stream.map((e) => e.position);
      if (ordering === "lock") expect(positions).toEqual(Array.from({ length: rounds }, (_, index) => index + 1));
      // Under the xid ordering the losers' positions were taken before their conflict showed: holes, still rising.
      else expect(positions).toEqual([...positions].sort((a, b) => a - b));
    });

    it("a $all subscriber from the start and a reader polling from position 1 see every one of 50,000 events from 8 concurrent writers once, in order, with no gap", async () => {
      const schema = await scratch();
      const writers = await Promise.all(Array.from({ length: 8 }, () => open(schema, { postgresOrdering: ordering })));
      const reader = await open(schema, { pageSize: 2_000, postgresOrdering: ordering });
      const total = 50_000;
      // A $all subscriber on a ninth instance, from the start: woken by the writers'
      // NOTIFYs, it must receive every event once, in position order.
      const subscriberStore = await open(schema, { postgresOrdering: ordering });
      const subscription = subscriberStore.subscribe({ target: { kind: "all" }, from: "start" });
      const subscribed: number[] = [];
      const following = (async () => {
        const timer = setTimeout(() => subscription.close(), 60_000);
        try {
          for await (const message of subscription) {
            if (message.kind === "events") for (const recorded of message.events) subscribed.push(recorded.position);
            if (subscribed.length >= total) break;
          }
        } finally {
          clearTimeout(timer);
          subscription.close();
        }
      })();
      const loopsPerWriter = 2;
      const perLoop = total / writers.length / loopsPerWriter;
      const batchSizes = [1, 150, 7, 400, 3, 250, 25, 500];
      const written = new Set<string>();

      let writing = true;
      let writeError: unknown;
      const writes = Promise.all(
        writers.flatMap((writer, w) =>
          Array.from({ length: loopsPerWriter }, async (_, loop) => {
            let left = perLoop;
            for (let turn = 0; left > 0; turn += 1) {
              const batch = events(Math.min(left, batchSizes[(turn + w + loop) % batchSizes.length]!));
              for (const proposed of batch) written.add(proposed.id!);
              await writer.appendToStream(`w${w}-s${turn % 3}`, batch);
              left -= batch.length;
            }
          }),
        ),
      )
        .catch((error: unknown) => {
          writeError = error;
        })
        .finally(() => {
          writing = false;
        });

      // Poll $all from the next expected position; any skipped or repeated position is a failure.
      const seen: RecordedEvent[] = [];
      let next = 1;
      let pollsWhileWriting = 0;
      let violation: string | undefined;
      const deadline = Date.now() + 50_000;
      while (next <= total && violation === undefined && writeError === undefined && Date.now() < deadline) {
        if (writing) pollsWhileWriting += 1;
        let got = 0;
        for await (const page of reader.readAll({ from: next })) {
          for (const recorded of page) {
            if (recorded.position !== next) {
              violation = `expected position ${next}, read ${recorded.position}`;
              break;
            }
            seen.push(recorded);
            next += 1;
          }
          got += page.length;
          if (violation) break;
        }
        if (got === 0) await sleep(1);
      }
      await writes;
      await following;

      expect(writeError).toBeUndefined();
      expect(violation).toBeUndefined();
      expect(subscribed).toEqual(Array.from({ length: total }, (_, index) => index + 1));
      expect(seen).toHaveLength(total);
      expect(pollsWhileWriting).toBeGreaterThan(20);
      expect(new Set(seen.map((e) => e.id))).toEqual(written);
      // Nothing arrives later below the head.
      expect(await reader.headPosition()).toBe(total);
      expect(await collect(reader.readAll({ from: total + 1 }))).toEqual([]);
      // Commit times follow the global order, whichever instance wrote.
      const backwards = seen.filter((recorded, index) => index > 0 && recorded.recordedAt < seen[index - 1]!.recordedAt);
      expect(backwards.map((recorded) => recorded.position)).toEqual([]);
      // Per stream, the revisions are contiguous from 0.
      const revisions = new Map<string, number>();
      const outOfOrder = seen.filter((recorded) => {
        const expected = revisions.get(recorded.stream) ?? 0;
        revisions.set(recorded.stream, recorded.revision + 1);
        return recorded.revision !== expected;
      });
      expect(outOfOrder).toEqual([]);
    });
  });

  describe("the xid ordering", () => {
    it("a $all reader sees no position past one still in flight; once it rolls back, the hole is passed and a live subscriber is woken without a further commit", async () => {
      const schema = await scratch();
      const store = await open(schema, { postgresOrdering: "xid" });
      await store.appendToStream("before", events(2));
      const subscription = store.subscribe({ target: { kind: "all" }, from: "start" });
      const received: number[] = [];
      let caughtUp = false;
      const following = (async () => {
        for await (const message of subscription) {
          if (message.kind === "caught-up") caughtUp = true;
          if (message.kind === "events") received.push(...message.events.map((recorded) => recorded.position));
          if (received.includes(4)) break;
        }
      })();
      while (!caughtUp) await sleep(5);
      // Another writer takes position 3 (and its transaction id) and has not committed.
      const holder = await rawClient(schema.url);
      await holder.query(`set search_path = "${schema.schema}"`);
      await holder.query("begin");
      const [lockA, lockB] = appendLockKeys(schema.schema);
      const taken = await holder.query<{ last_position: string }>("select last_position from annals_take_positions($1, $2, 1)", [lockA, lockB]);
      expect(Number(taken.rows[0]!.last_position)).toBe(3);
      const appended = await store.appendToStream("after", events(1));
      expect(appended.position).toBe(4);
      // Committed, but not readable in the global order while 3 may still come.
      expect((await collect(store.readAll())).map((recorded) => recorded.position)).toEqual([1, 2]);
      expect(await store.headPosition()).toBe(2);
      await sleep(100);
      expect(received).toEqual([1, 2]);
      // The stream itself reads at once: its revisions need no global order.
      expect((await collect(store.readStream("after"))).map((recorded) => recorded.position)).toEqual([4]);
      await holder.query("rollback");
      await following;
      subscription.close();
      expect(received).toEqual([1, 2, 4]);
      expect((await collect(store.readAll())).map((recorded) => recorded.position)).toEqual([1, 2, 4]);
      expect(await store.headPosition()).toBe(4);
    });
  });

  describe("fan-out between store instances (LISTEN/NOTIFY)", () => {
    it("wakes a live subscription with what another instance committed, with no append of its own, in order", async () => {
      const schema = await scratch();
      const writer = await open(schema);
      const reader = await open(schema);
      const subscription = reader.subscribe({ target: { kind: "all" }, from: "end" });
      const iterator = subscription[Symbol.asyncIterator]();
      for (let next = await iterator.next(); !next.done && next.value.kind !== "caught-up"; next = await iterator.next()) {
        // history is empty: wait for the caught-up marker
      }
      const latencies: number[] = [];
      const received: number[] = [];
      try {
        for (let round = 0; round < 100; round += 1) {
          const started = performance.now();
          const { position } = await writer.appendToStream(`fan-${round % 4}`, events(1));
          while (!received.includes(position)) {
            const next = await Promise.race([iterator.next(), sleep(5_000).then(() => undefined)]);
            if (next === undefined) throw new Error(`position ${position} did not reach the other instance within 5 s`);
            if (next.done) throw new Error("the subscription ended");
            if (next.value.kind === "events") received.push(...next.value.events.map((event) => event.position));
          }
          latencies.push(performance.now() - started);
        }
      } finally {
        subscription.close();
      }
      expect(received).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
      latencies.sort((a, b) => a - b);
      const p50 = latencies[49]!;
      const p99 = latencies[98]!;
      console.log(`LISTEN/NOTIFY fan-out, append acknowledged on one instance → event on another: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
      expect(p99).toBeLessThan(1_000);
    });
  });

  describe("the append path (one statement of arrays per part)", () => {
    it("stores data, metadata and content types byte for byte, across statements split by row count and by payload size", async () => {
      const schema = await scratch();
      const store = await open(schema);
      const awkward = { quote: '"', backslash: "\\", braces: "{a,b}", comma: "x,y", word: "NULL", empty: "", unicode: "ünï 💸", newline: "a\nb" };
      const small: ProposedEvent[] = [
        { ...event("t.Empty"), data: new Uint8Array(0) },
        { ...event("t.Json", '{"a":"\\"}'), contentType: "application/json", metadata: awkward },
        { ...event("t.Bytes"), data: randomBytes(100 * 1024) },
        { ...event("t.Word", "NULL"), metadata: { a: "NULL" } },
      ];
      // Queued together behind the first, so that one transaction holds 5 × 3.5 MiB and 6,000 rows.
      const big = Array.from({ length: 5 }, () => [{ ...event("t.Big"), data: randomBytes(3.5 * 1024 * 1024) }]);
      const many = Array.from({ length: 6_000 }, (_, index) => ({ ...event("t.Many", String(index)), data: randomBytes(index % 7) }));
      await Promise.all([
        store.appendToStream("small", small),
        ...big.map((proposed, index) => store.appendToStream(`big-${index}`, proposed)),
        store.appendToStream("many", many),
      ]);

      const proposed = new Map([...small, ...big.flat(), ...many].map((e) => [e.id!, e]));
      const stored = await collect(store.readAll());
      expect(stored).toHaveLength(proposed.size);
      expect(stored.map((e) => e.position)).toEqual(stored.map((_, index) => index + 1));
      for (const recorded of stored) {
        const sent = proposed.get(recorded.id)!;
        expect(Buffer.from(recorded.data).equals(Buffer.from(sent.data)), recorded.type).toBe(true);
        expect(recorded.type).toBe(sent.type);
        expect(recorded.metadata).toEqual(sent.metadata ?? {});
        expect(recorded.contentType).toBe(sent.contentType ?? "application/protobuf");
      }
      expect((await collect(store.readStream("many"))).map((e) => e.revision)).toEqual(many.map((_, index) => index));
      expect(await store.getStream("many")).toMatchObject({ lastRevision: 5_999 });
      for (let index = 0; index < big.length; index += 1) expect(await store.getStream(`big-${index}`)).toMatchObject({ lastRevision: 0 });
    });
  });

  describe("a writer that dies holding the append lock", () => {
    it.each(["is terminated", "rolls back"])("does not stall readers, and appends proceed once it %s", async (ending) => {
      const schema = await scratch();
      const store = await open(schema);
      await store.appendToStream("before", events(3));

      // A writer in the middle of an append: lock taken, position 4 inserted, not committed.
      const holder = await rawClient(schema.url);
      const pid = (await holder.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
      await holder.query("begin");
      await holder.query("select pg_advisory_xact_lock($1, $2)", [...appendLockKeys(schema.schema)]);
      await holder.query(
        `insert into "${schema.schema}".events (position, stream, revision, id, type, data, recorded_at) values (4, 'ghost', 0, $1, 'test.Ghost', '\\x00', 0)`,
        [randomUUID()],
      );

      let appended = false;
      const pending = store.appendToStream("after", events(2)).finally(() => {
        appended = true;
      });
      // Readers never wait for the lock and never see the uncommitted event.
      for (let poll = 0; poll < 5; poll += 1) {
        expect((await collect(store.readAll())).map((e) => e.position)).toEqual([1, 2, 3]);
        expect(await store.headPosition()).toBe(3);
        await sleep(40);
      }
      expect(appended).toBe(false);

      if (ending === "is terminated") {
        await withPostgresClient(schema.url, (admin) => admin.query("select pg_terminate_backend($1)", [pid]));
      } else {
        await holder.query("rollback");
      }
      await expect(pending).resolves.toMatchObject({ revision: 1, position: 5 });
      const all = await collect(store.readAll());
      expect(all.map((e) => [e.stream, e.position])).toEqual([
        ["before", 1],
        ["before", 2],
        ["before", 3],
        ["after", 4],
        ["after", 5],
      ]);
      await expect(store.appendToStream("after", events(1), { expectedRevision: 1 })).resolves.toMatchObject({ revision: 2, position: 6 });
    });
  });

  describe("unavailability", () => {
    it("opening a store on a closed port fails quickly with StoreUnavailableError", async () => {
      const url = new URL(testPostgresUrl());
      url.hostname = "127.0.0.1";
      url.port = String(await unusedPort());
      const outcome = await timed(openEventStore({ database: url.toString(), postgresConnectTimeoutMs: 2_000 }));
      expect(outcome.error).toBeInstanceOf(StoreUnavailableError);
      expect(outcome.ms).toBeLessThan(5_000);
    });

    it("when the database's port closes, appends, stream reads and $all reads fail quickly with StoreUnavailableError, and work again once it is back", async () => {
      const schema = await scratch();
      const relay = await startPostgresRelay(schema.url);
      cleanups.push(() => relay.stop());
      const store = await open(schema, { database: relay.url, postgresConnectTimeoutMs: 2_000, postgresAcquireTimeoutMs: 4_000 });
      await store.appendToStream("s", events(2));

      // An append waiting for the lock when the connection goes away.
      const holder = await rawClient(schema.url);
      await holder.query("begin");
      await holder.query("select pg_advisory_xact_lock($1, $2)", [...appendLockKeys(schema.schema)]);
      const waiting = timed(store.appendToStream("s", events(1), { expectedRevision: 1 }));
      await sleep(100);
      await relay.stop();
      await holder.query("rollback");

      const outcomes = await Promise.all([
        waiting,
        timed(store.appendToStream("s", events(1), { expectedRevision: 1 })),
        timed(store.getStream("s")),
        timed(collect(store.readAll())),
        timed(collect(store.readStream("s"))),
        timed(store.headPosition()),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.error).toBeInstanceOf(StoreUnavailableError);
        expect(outcome.ms).toBeLessThan(5_000);
      }

      await relay.start();
      expect(await store.getStream("s")).toEqual({ stream: "s", lastRevision: 1, lastPosition: 2 });
      await expect(store.appendToStream("s", events(1), { expectedRevision: 1 })).resolves.toMatchObject({ revision: 2, position: 3 });
    });
  });
});
