import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Knex } from "knex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { jsonEvents } from "./codec.js";
import { commandFingerprint, formerCommandEventIds, newCommandId } from "./command-ids.js";
import { createCommandHandler, type CommandHandlerOptions } from "./command-handler.js";
import type { Decider } from "./decider.js";
import { CommandIdReusedError, ConcurrencyConflictError, WrongExpectedVersionError } from "./errors.js";
import { createKnexSnapshotStore, type KnexSnapshotStore } from "./knex/snapshot-store.js";
import { openServiceDatabase } from "./knex/database.js";
import { createProjection, type ProjectionOptions } from "./knex/projection.js";
import { createMemorySnapshotStore } from "./snapshots.js";
import { createStateLoader } from "./state-loader.js";

// A tiny domain: a tally that counts up and refuses to go below zero; its state keeps the last change's time.
type Command = { type: "Add"; by: number } | { type: "Take"; by: number } | { type: "Double" } | { type: "Noop" };
type Event = { type: "Added"; by: number } | { type: "Taken"; by: number };
interface Tally {
  total: number;
  changedAt: number | undefined;
}

const tally: Decider<Command, Event, Tally> = {
  initialState: () => ({ total: 0, changedAt: undefined }),
  evolve: (state, event, context) => ({ total: state.total + (event.type === "Added" ? event.by : -event.by), changedAt: context.recordedAt.getTime() }),
  decide(command, state) {
    if (command.type === "Noop") return [];
    if (command.type === "Double") return [{ type: "Added", by: state.total }];
    if (command.type === "Take" && command.by > state.total) throw new RangeError(`cannot take ${command.by} from ${state.total}`);
    return [command.type === "Add" ? { type: "Added", by: command.by } : { type: "Taken", by: command.by }];
  },
};
const events = jsonEvents<Event>("tally.");
const tallyState = {
  type: "test.Tally",
  encode: (state: Tally) => new TextEncoder().encode(JSON.stringify(state)),
  decode: (data: Uint8Array) => JSON.parse(new TextDecoder().decode(data)) as Tally,
};

describe("the toolkit against a real server", () => {
  let server: TestServer;
  let client: AnnalsClient;
  let folder: string;
  const handler = (options: Partial<CommandHandlerOptions<Command, Event, Tally>> = {}) => createCommandHandler({ client, decider: tally, events, ...options });
  const stream = () => `tally-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    server = await startTestServer();
    client = createAnnalsClient({ baseUrl: server.url });
    folder = mkdtempSync(join(tmpdir(), "annals-toolkit-"));
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  describe("command handler", () => {
    it("decides on the loaded state, appends with the loaded revision, and answers the exact new state", async () => {
      const id = stream();
      const commands = handler();
      const first = await commands.handle(id, { type: "Add", by: 5 }, { commandId: "c1", metadata: { actor: "ada" } });
      const second = await commands.handle(id, { type: "Take", by: 2 }, { commandId: "c2" });
      expect({ version: second.version, total: second.state.total, alreadyApplied: second.alreadyApplied }).toEqual({ version: 2n, total: 3, alreadyApplied: false });
      const stored = [];
      for await (const event of client.readStream(id)) stored.push(event);
      expect(stored.map((event) => [event.type, event.revision, event.metadata["command_id"]])).toEqual([
        ["tally.Added", 0n, "c1"],
        ["tally.Taken", 1n, "c2"],
      ]);
      expect(stored[0]!.metadata["actor"]).toBe("ada");
      // The state answered without reading back equals the state loaded from the store.
      expect(second.state).toEqual((await commands.loader.load(id)).state);
      expect([first.position, second.position]).toEqual([stored[0]!.position, stored[1]!.position]);
      await expect(commands.handle(id, { type: "Take", by: 99 }, { commandId: "c3" })).rejects.toBeInstanceOf(RangeError);
      expect(await commands.handle(id, { type: "Noop" }, { commandId: "c4" })).toMatchObject({ version: 2n, events: [], alreadyApplied: false });
    });

    it("applies a command sent again once, also from a new handler (a restart) and concurrently, and answers its first result", async () => {
      const id = stream();
      const first = await handler().handle(id, { type: "Add", by: 7 }, { commandId: "only-once" });
      await handler().handle(id, { type: "Add", by: 1 }, { commandId: "later" });
      const copies = await Promise.all(Array.from({ length: 6 }, () => handler().handle(id, { type: "Add", by: 7 }, { commandId: "only-once" })));
      for (const copy of copies) expect({ version: copy.version, total: copy.state.total, position: copy.position, alreadyApplied: copy.alreadyApplied }).toEqual({ version: 1n, total: 7, position: first.position, alreadyApplied: true });
      expect((await handler().loader.load(id)).state.total).toBe(8);
      const racing = stream();
      const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => handler().handle(racing, { type: "Add", by: 3 }, { commandId: "race" }).then((result) => ({ index, result }))));
      expect(new Set(answers.map(({ result }) => result.position)).size).toBe(1);
      expect((await handler().loader.load(racing)).state.total).toBe(3);
    });

    it("records time-ordered event ids for time-ordered command ids, and recognises a command recorded with the former ids", async () => {
      const id = stream();
      const commandIds = [newCommandId(), newCommandId(), newCommandId()];
      for (const commandId of commandIds) await handler().handle(id, { type: "Add", by: 1 }, { commandId });
      const recorded: string[] = [];
      for await (const event of client.readStream(id)) recorded.push(event.id);
      for (const [index, eventId] of recorded.entries()) {
        expect(eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(eventId.slice(0, 13)).toBe(commandIds[index]!.slice(0, 13));
      }
      // As an earlier release recorded a command: its event under the UUIDv5 id, with the handler's metadata.
      const earlier = stream();
      const commandId = newCommandId();
      const fingerprint = await commandFingerprint({ type: "Add", by: 5 });
      const former = await formerCommandEventIds(earlier, commandId, 0);
      await client.appendToStream(earlier, [{ ...events.encode({ type: "Added", by: 5 }), id: former, metadata: { command_id: commandId, command_fingerprint: fingerprint } }]);
      const again = await handler().handle(earlier, { type: "Add", by: 5 }, { commandId });
      expect({ alreadyApplied: again.alreadyApplied, version: again.version, total: again.state.total }).toEqual({ alreadyApplied: true, version: 1n, total: 5 });
      expect((await client.getStream(earlier))?.lastRevision).toBe(0n);
      // A handler given its own derivation and no former one looks up only its own ids.
      const own = await handler({ eventIds: (target, command, index) => formerCommandEventIds(target, `${command}/own`, index) }).handle(earlier, { type: "Add", by: 5 }, { commandId });
      expect(own.alreadyApplied).toBe(false);
    });

    it("refuses a command id reused for a different command; the same id on another stream is another command", async () => {
      const id = stream();
      await handler().handle(id, { type: "Add", by: 1 }, { commandId: "shared" });
      await expect(handler().handle(id, { type: "Add", by: 2 }, { commandId: "shared" })).rejects.toBeInstanceOf(CommandIdReusedError);
      expect((await handler().handle(stream(), { type: "Add", by: 2 }, { commandId: "shared" })).alreadyApplied).toBe(false);
    });

    /** A client through which, before each append, another writer appends to the same stream (a real second client). */
    function interfering(times: number): AnnalsClient {
      const other = createAnnalsClient({ baseUrl: server.url });
      let left = times;
      return {
        ...client,
        async appendToStream(target, proposed, options) {
          if (left > 0) {
            left -= 1;
            await other.appendToStream(target, [events.encode({ type: "Added", by: 100 })]);
          }
          return client.appendToStream(target, proposed, options);
        },
      };
    }

    it("decides again after losing to another writer", async () => {
      const id = stream();
      await handler().handle(id, { type: "Add", by: 1 }, { commandId: randomUUID() });
      const result = await handler({ client: interfering(1) }).handle(id, { type: "Double" }, { commandId: randomUUID() });
      // Doubled on the state after the intruder (1 + 100), not on the state it first loaded (1).
      expect({ version: result.version, total: result.state.total }).toEqual({ version: 3n, total: 202 });
    });

    it("with an expected version, the conflict is the answer; without, it gives up after the most attempts", async () => {
      const id = stream();
      await handler().handle(id, { type: "Add", by: 1 }, { commandId: randomUUID() });
      await expect(handler({ client: interfering(1) }).handle(id, { type: "Add", by: 1 }, { commandId: randomUUID(), expectedVersion: 1n })).rejects.toMatchObject({
        constructor: WrongExpectedVersionError,
        expected: 1n,
        actual: 2n,
      });
      await expect(handler().handle(id, { type: "Add", by: 1 }, { commandId: randomUUID(), expectedVersion: 7n })).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(handler({ client: interfering(10), maxAttempts: 3 }).handle(id, { type: "Add", by: 1 }, { commandId: randomUUID() })).rejects.toMatchObject({
        constructor: ConcurrencyConflictError,
        attempts: 3,
      });
      // Three intruders got in; the command did not.
      expect((await handler().loader.load(id)).state.total).toBe(1 + 100 + 300);
    });
  });

  describe("snapshots and time travel", () => {
    let db: Knex;
    let store: KnexSnapshotStore;
    beforeAll(async () => {
      db = openServiceDatabase(join(folder, "snapshots.db"));
      store = createKnexSnapshotStore(db);
      await store.setup();
    });
    afterAll(async () => {
      store?.close();
      await db?.destroy();
    });

    it("takes one every N events and loads the same states from them as without, at every version and time", async () => {
      const id = stream();
      const commands = handler({ snapshots: { store, state: tallyState, every: 4 } });
      for (let index = 0; index < 15; index += 1) {
        await commands.handle(id, index % 3 === 2 ? { type: "Take", by: 1 } : { type: "Add", by: index }, { commandId: randomUUID() });
        if (index % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 3));
      }
      expect((await store.load(id))?.version).toBe(12n);
      const plain = createStateLoader({ client, decider: tally, events });
      const times: Date[] = [];
      for await (const event of client.readStream(id)) times.push(event.recordedAt);
      for (let version = 0n; version <= 15n; version += 1n) {
        const fromSnapshot = await commands.loader.load(id, { version });
        expect(fromSnapshot.state).toEqual((await plain.load(id, { version })).state);
        expect(version - fromSnapshot.snapshotVersion).toBeLessThan(5n);
      }
      for (const at of times) {
        const expectedVersion = BigInt(times.filter((time) => time.getTime() <= at.getTime()).length);
        const loaded = await commands.loader.load(id, { at });
        expect(loaded.version).toBe(expectedVersion);
        expect(loaded.state).toEqual((await plain.load(id, { at })).state);
        expect((await plain.load(id, { at: new Date(at.getTime() - 1) })).version).toBeLessThan(expectedVersion);
      }
      expect((await commands.loader.load(id, { at: new Date(times[0]!.getTime() - 1) })).version).toBe(0n);
    });

    it("loads streams longer than its first page (one ReadStreamPage, then ReadStream), from a snapshot and at a version", async () => {
      const id = stream();
      await client.appendToStream(id, Array.from({ length: 2_500 }, (_, index) => events.encode({ type: "Added", by: index + 1 })));
      const sum = (count: number) => (count * (count + 1)) / 2;
      const plain = createStateLoader({ client, decider: tally, events });
      for (const version of [999n, 1_000n, 1_001n, 2_000n, 2_500n]) {
        const loaded = await plain.load(id, { version });
        expect([loaded.version, loaded.state.total]).toEqual([version, sum(Number(version))]);
      }
      const all = await plain.load(id);
      expect([all.version, all.state.total]).toEqual([2_500n, sum(2_500)]);
      const snapshots = createMemorySnapshotStore();
      const at300 = await plain.load(id, { version: 300n });
      await snapshots.save({ stream: id, version: 300n, position: at300.position!, recordedAt: at300.recordedAt!, type: tallyState.type, state: tallyState.encode(at300.state) });
      const fromSnapshots = createStateLoader({ client, decider: tally, events, snapshots: { store: snapshots, state: tallyState, every: 1_000_000 } });
      const resumed = await fromSnapshots.load(id);
      expect([resumed.snapshotVersion, resumed.version, resumed.state.total]).toEqual([300n, 2_500n, sum(2_500)]);
    });

    it("a snapshot that cannot be saved does not fail the command", async () => {
      const failing = { ...createMemorySnapshotStore(), save: () => Promise.reject(new Error("disk full")) };
      const errors: unknown[] = [];
      const result = await handler({ snapshots: { store: failing, state: tallyState, every: 1 }, onSnapshotError: (error) => errors.push(error) }).handle(stream(), { type: "Add", by: 3 }, { commandId: randomUUID() });
      expect(result.version).toBe(1n);
      expect(errors).toHaveLength(1);
    });
  });

  describe("projections", () => {
    let db: Knex;
    beforeAll(() => {
      db = openServiceDatabase(join(folder, "read-model.db"));
    });
    afterAll(async () => db?.destroy());

    /** Per stream, how many tally events it has seen: a double-count or a skip shows. */
    const counting = (name: string, failAfter?: { batches: number }): ProjectionOptions => {
      let batches = 0;
      return {
        client,
        db,
        name,
        source: { category: "tally-" },
        filter: { eventTypePrefixes: ["tally."] },
        async setup(database) {
          if (!(await database.schema.hasTable(name))) await database.schema.createTable(name, (table) => (table.string("stream").primary(), table.integer("seen").notNullable()));
        },
        async apply(trx, batch) {
          for (const event of batch) {
            const row: { seen: number } | undefined = await trx(name).where("stream", event.stream).first();
            if (row) await trx(name).update({ seen: row.seen + 1 }).where("stream", event.stream);
            else await trx(name).insert({ stream: event.stream, seen: 1 });
          }
          batches += 1;
          // A crash in the middle of a batch: its rows and its checkpoint roll back together.
          if (failAfter && batches > failAfter.batches) throw new Error("crash inside a batch");
        },
        reset: (trx) => trx(name).delete(),
        retryMs: 20,
      };
    };

    async function expected(): Promise<Record<string, number>> {
      const counts: Record<string, number> = {};
      for await (const event of client.readAll()) if (event.stream.startsWith("tally-") && event.type.startsWith("tally.")) counts[event.stream] = (counts[event.stream] ?? 0) + 1;
      return counts;
    }
    async function seen(name: string): Promise<Record<string, number>> {
      return Object.fromEntries((await db(name).select("stream", "seen")).map((row: { stream: string; seen: number }) => [row.stream, row.seen]));
    }
    async function head(): Promise<bigint> {
      for await (const event of client.readAll({ direction: "backwards", maxCount: 1 })) return event.position;
      return 0n;
    }

    it("applies every event once across failures inside batches, two runners on one database, live appends and a rebuild", async () => {
      const writers = handler();
      for (let index = 0; index < 10; index += 1) await writers.handle(`tally-p${index % 3}`, { type: "Add", by: 1 }, { commandId: randomUUID() });
      await client.appendToStream(`other-${randomUUID()}`, [{ type: "other.Thing", data: new Uint8Array() }]);
      const failures: unknown[] = [];
      const flaky = createProjection({ ...counting("seen_a", { batches: 1 }), onError: (error) => failures.push(error) });
      const steady = createProjection(counting("seen_a"));
      await flaky.start();
      await steady.start();
      for (let index = 0; index < 40; index += 1) await writers.handle(`tally-p${index % 5}`, { type: "Add", by: 1 }, { commandId: randomUUID() });
      await steady.waitFor(await head());
      await flaky.stop();
      await steady.stop();
      expect(await seen("seen_a")).toEqual(await expected());
      expect(failures.length).toBeGreaterThan(0);
      expect((await steady.lag()).behind).toBe(0n);

      const rebuilt = await steady.rebuild();
      expect(rebuilt).toBe(await head());
      expect(await seen("seen_a")).toEqual(await expected());
      await writers.handle("tally-p0", { type: "Add", by: 1 }, { commandId: randomUUID() });
      await steady.waitFor(await head());
      expect(await seen("seen_a")).toEqual(await expected());
      await steady.stop();
    });

    it("resumes from its checkpoint after a restart, and says how far behind it is", async () => {
      const projection = createProjection(counting("seen_b"));
      await projection.start();
      await projection.waitFor(await head());
      await projection.stop();
      const writers = handler();
      for (let index = 0; index < 5; index += 1) await writers.handle("tally-late", { type: "Add", by: 1 }, { commandId: randomUUID() });
      const lag = await projection.lag();
      expect(lag.behind).toBe(lag.head - lag.checkpoint);
      expect(lag.behind).toBeGreaterThanOrEqual(5n);
      const again = createProjection(counting("seen_b"));
      await again.start();
      await again.waitFor(await head());
      await again.stop();
      expect(await seen("seen_b")).toEqual(await expected());
    });
  });
});
