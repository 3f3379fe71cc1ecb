import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataSubjectError } from "../errors.js";
import { dataSubjectKey, type EventStore, type RecordedEvent } from "../event-store.js";
import { openEventStore, type OpenEventStoreOptions } from "../open-event-store.js";
import { createThrowawaySchema } from "../testing/postgres.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function collect(pages: AsyncIterable<RecordedEvent[]>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

async function subscribed(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  const subscription = store.subscribe({ target: { kind: "all" } });
  for await (const message of subscription) {
    if (message.kind === "events") events.push(...message.events);
    if (message.kind === "caught-up") break;
  }
  subscription.close();
  return events;
}

/** A subject's wrapped key as stored, read straight from the SQLite file. */
async function wrappedKeyOf(database: string, subject: string): Promise<Buffer> {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(database, { readonly: true });
  try {
    return (db.prepare("select wrapped_key from subject_keys where subject = ?").get(subject) as { wrapped_key: Buffer }).wrapped_key;
  } finally {
    db.close();
  }
}

interface Backend {
  name: string;
  open(masterKey?: Uint8Array): Promise<{ options: OpenEventStoreOptions; cleanup(): Promise<void>; folder?: string }>;
}

const backends: Backend[] = [
  ...(["better-sqlite3", "sqlite3"] as const).map((driver) => ({
    name: `sqlite (${driver})`,
    async open() {
      const folder = mkdtempSync(join(tmpdir(), "annals-shred-"));
      return { options: { database: join(folder, "annals.db"), sqliteDriver: driver }, folder, cleanup: async () => rmSync(folder, { recursive: true, force: true }) };
    },
  })),
  {
    name: "postgres",
    async open() {
      const scratch = await createThrowawaySchema();
      return { options: { database: scratch.url, postgresSchema: scratch.schema, postgresPoolSize: 4 }, cleanup: () => scratch.drop() };
    },
  },
];

for (const backend of backends) {
  describe(`crypto-shredding: ${backend.name}`, () => {
    const stores: EventStore[] = [];
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await cleanup?.();
    });

    it("stores a subject's data encrypted, reads it back transparently, and erases it for ever once the subject is forgotten", async () => {
      const fixture = await backend.open();
      cleanup = fixture.cleanup;
      const masterKey = randomBytes(32);
      const open = async () => {
        const store = await openEventStore({ ...fixture.options, masterKey });
        stores.push(store);
        return store;
      };
      const store = await open();
      const secret = `secret-address-of-ada-${randomUUID()}`;
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      await store.appendToStream("customer-ada", [
        { id: ids[0], type: "test.Registered", data: encoder.encode(secret), metadata: { [dataSubjectKey]: "ada" } },
        { id: ids[1], type: "test.Public", data: encoder.encode("public") },
      ]);
      await store.appendToStream("customer-bob", [{ id: ids[2], type: "test.Registered", data: encoder.encode("bob's"), metadata: { [dataSubjectKey]: "bob" } }]);
      // Transparent while the key lives, live and from the database alike.
      const readBack = await collect(store.readAll());
      expect(readBack.map((event) => decoder.decode(event.data))).toEqual([secret, "public", "bob's"]);
      expect(readBack.every((event) => event.erased === undefined)).toBe(true);
      expect((await subscribed(store)).map((event) => decoder.decode(event.data))).toEqual([secret, "public", "bob's"]);

      const wrappedKey = fixture.folder === undefined ? undefined : await wrappedKeyOf(join(fixture.folder, "annals.db"), "ada");
      expect(await store.forgetSubject("ada")).toBe(true);
      if (fixture.folder !== undefined) {
        // While the store is open, its WAL included: the wrapped key was overwritten in place and is gone from the log.
        for (const file of readdirSync(fixture.folder)) expect(readFileSync(join(fixture.folder, file)).includes(wrappedKey!), file).toBe(false);
      }
      const other = await open();
      for (const reader of [store, other]) {
        const events = await collect(reader.readAll());
        expect(events[0]).toMatchObject({ id: ids[0], type: "test.Registered", stream: "customer-ada", revision: 0, position: 1, erased: true, metadata: { [dataSubjectKey]: "ada" } });
        expect(events[0]!.data.byteLength).toBe(0);
        expect(events[0]!.recordedAt).toBe(readBack[0]!.recordedAt);
        expect(decoder.decode(events[1]!.data)).toBe("public");
        expect(decoder.decode(events[2]!.data)).toBe("bob's");
        expect((await reader.getEvents([ids[0]!]))[0]).toMatchObject({ erased: true });
        expect((await collect(reader.readStream("customer-ada")))[0]).toMatchObject({ erased: true });
        expect((await subscribed(reader))[0]).toMatchObject({ erased: true });
      }
      // Nothing more is stored for a forgotten subject; other events go on.
      const refused = await store.appendToStream("customer-ada", [{ type: "test.Moved", data: encoder.encode("x"), metadata: { [dataSubjectKey]: "ada" } }]).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DataSubjectError);
      await store.appendToStream("customer-ada", [{ type: "test.Closed", data: encoder.encode("closed") }]);

      // After a restart too.
      await Promise.all(stores.splice(0).map((each) => each.close()));
      const reopened = await open();
      expect((await collect(reopened.readAll()))[0]).toMatchObject({ erased: true });

      if (fixture.folder !== undefined) {
        await reopened.close();
        stores.splice(0);
        // The plaintext is nowhere in the database file or its WAL, not even before the subject was forgotten.
        for (const file of readdirSync(fixture.folder)) {
          const bytes = readFileSync(join(fixture.folder, file));
          expect(bytes.includes(Buffer.from(secret)), file).toBe(false);
          expect(bytes.includes(Buffer.from("bob's")), file).toBe(false);
          expect(bytes.includes(wrappedKey!), file).toBe(false);
        }
      }
    });

    it("refuses an event naming a data subject when the server has no master key", async () => {
      const fixture = await backend.open();
      cleanup = fixture.cleanup;
      const store = await openEventStore(fixture.options);
      stores.push(store);
      const error = await store.appendToStream("s", [{ type: "test.T", data: encoder.encode("x"), metadata: { [dataSubjectKey]: "ada" } }]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataSubjectError);
      expect(await store.headPosition()).toBe(0);
    });
  });
}
