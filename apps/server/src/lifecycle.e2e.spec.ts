import { randomBytes, randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  DataSubjectRefusedSchema,
  EventStore,
  InvalidFieldSchema,
  StreamNotFoundSchema,
  StreamTombstonedSchema,
  WrongExpectedMetadataRevisionSchema,
  WrongExpectedRevisionSchema,
} from "@annals/protocol";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const proposed = (count: number) => Array.from({ length: count }, (_, index) => ({ id: randomUUID(), type: "test.Happened", data: new Uint8Array([index]) }));

async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to be refused");
}

async function drain<T>(messages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const message of messages) all.push(message);
  return all;
}

/** Stream lifecycle over gRPC: each RPC's answers and refusals with their codes and details. */
describe("stream lifecycle over gRPC", () => {
  let test: TestServer;
  let client: Client<typeof EventStore>;

  beforeAll(async () => {
    test = await startTestServer();
    client = createClient(EventStore, createGrpcTransport({ baseUrl: test.url }));
  });
  afterAll(async () => test.stop());

  const revisionsOf = async (stream: string) =>
    (await drain(client.readStream({ stream }))).flatMap((batch) => batch.events.map((event) => Number(event.revision)));

  it("SetStreamMetadata / GetStreamMetadata: versioned, compare-and-set, honoured by reads at once", async () => {
    await client.append({ stream: "meta-1", events: proposed(5) });
    const set = await client.setStreamMetadata({ stream: "meta-1", metadata: { truncateBefore: 3n, maxAgeSeconds: 3_600n, custom: { owner: "ops" } }, expectedMetadataRevision: 0n });
    expect(set.metadataRevision).toBe(1n);
    const read = await client.getStreamMetadata({ stream: "meta-1" });
    expect(read).toMatchObject({ metadataRevision: 1n, deleted: false, tombstoned: false, metadata: { truncateBefore: 3n, maxAgeSeconds: 3_600n, custom: { owner: "ops" } } });
    expect(read.metadata?.maxCount).toBeUndefined();
    expect(await revisionsOf("meta-1")).toEqual([3, 4]);
    expect(await client.getStream({ stream: "meta-1" })).toMatchObject({ exists: true, lastRevision: 4n, eventCount: 2n });

    const conflict = await refusal(client.setStreamMetadata({ stream: "meta-1", metadata: { maxCount: 1n }, expectedMetadataRevision: 0n }));
    expect(Code[conflict.code]).toBe("FailedPrecondition");
    expect(conflict.findDetails(WrongExpectedMetadataRevisionSchema)[0]).toMatchObject({ stream: "meta-1", expectedMetadataRevision: 0n, actualMetadataRevision: 1n });
    expect((await client.getStreamMetadata({ stream: "meta-1" })).metadataRevision).toBe(1n);
  });

  it("refuses negative and zero counts with INVALID_ARGUMENT naming the field, writing nothing", async () => {
    for (const [metadata, field] of [
      [{ maxCount: -1n }, "max_count"],
      [{ maxCount: 0n }, "max_count"],
      [{ maxAgeSeconds: -60n }, "max_age"],
      [{ truncateBefore: -2n }, "truncate_before"],
    ] as const) {
      const error = await refusal(client.setStreamMetadata({ stream: "meta-bad", metadata }));
      expect(Code[error.code]).toBe("InvalidArgument");
      expect(error.findDetails(InvalidFieldSchema)[0]?.field).toBe(field);
    }
    expect((await client.getStreamMetadata({ stream: "meta-bad" })).metadataRevision).toBe(0n);
    expect(Code[(await refusal(client.setStreamMetadata({ stream: "", metadata: {} }))).code]).toBe("InvalidArgument");
  });

  it("DeleteStream: unknown stream NOT_FOUND, wrong revision FAILED_PRECONDITION; deleted reads as absent; appends continue after", async () => {
    const unknown = await refusal(client.deleteStream({ stream: "never-there" }));
    expect(Code[unknown.code]).toBe("NotFound");
    expect(unknown.findDetails(StreamNotFoundSchema)[0]?.stream).toBe("never-there");

    await client.append({ stream: "del-1", events: proposed(3) });
    const wrong = await refusal(client.deleteStream({ stream: "del-1", expectedRevision: { kind: { case: "exact", value: 0n } } }));
    expect(Code[wrong.code]).toBe("FailedPrecondition");
    expect(wrong.findDetails(WrongExpectedRevisionSchema)[0]?.actualRevision).toBe(2n);

    expect(await client.deleteStream({ stream: "del-1", expectedRevision: { kind: { case: "exact", value: 2n } } })).toMatchObject({ lastRevision: 2n });
    expect(await revisionsOf("del-1")).toEqual([]);
    expect((await client.getStream({ stream: "del-1" })).exists).toBe(false);
    expect((await client.listStreams({ prefix: "del-" })).streams).toEqual([]);
    const again = await client.append({ stream: "del-1", events: proposed(1), expectedRevision: { kind: { case: "noStream", value: {} } } });
    expect(again.revision).toBe(3n);
    expect(await revisionsOf("del-1")).toEqual([3]);
  });

  it("TombstoneStream: reads answer NOT_FOUND, writes FAILED_PRECONDITION, each with a StreamTombstoned detail, for ever", async () => {
    await client.append({ stream: "tomb-1", events: proposed(2) });
    expect(await client.tombstoneStream({ stream: "tomb-1" })).toMatchObject({ lastRevision: 1n });
    const reads = [
      await refusal(drain(client.readStream({ stream: "tomb-1" }))),
      await refusal(client.getStream({ stream: "tomb-1" })),
      // A subscription to it would wait for ever for events that can never come.
      await refusal(drain(client.subscribe({ target: { case: "stream", value: "tomb-1" } }))),
    ];
    for (const error of reads) {
      expect(Code[error.code]).toBe("NotFound");
      expect(error.findDetails(StreamTombstonedSchema)[0]?.stream).toBe("tomb-1");
    }
    const writes = [
      await refusal(client.append({ stream: "tomb-1", events: proposed(1), expectedRevision: { kind: { case: "noStream", value: {} } } })),
      await refusal(client.append({ stream: "tomb-1", events: proposed(1) })),
      await refusal(client.setStreamMetadata({ stream: "tomb-1", metadata: {} })),
      await refusal(client.deleteStream({ stream: "tomb-1" })),
      await refusal(client.deleteStream({ stream: "tomb-1", tombstone: true })),
    ];
    for (const error of writes) {
      expect(Code[error.code]).toBe("FailedPrecondition");
      expect(error.findDetails(StreamTombstonedSchema)[0]?.stream).toBe("tomb-1");
    }
    // A flag on DeleteStream does the same; a name never used can be retired.
    expect((await client.deleteStream({ stream: "tomb-2", tombstone: true })).lastRevision).toBeUndefined();
    expect(Code[(await refusal(client.append({ stream: "tomb-2", events: proposed(1) }))).code]).toBe("FailedPrecondition");
    expect(await client.getStreamMetadata({ stream: "tomb-2" })).toMatchObject({ tombstoned: true });
  });

  it("Scavenge streams its progress and removes the hidden events from the database file", async () => {
    await client.append({ stream: "scav-1", events: proposed(50) });
    await client.setStreamMetadata({ stream: "scav-1", metadata: { maxCount: 5n } });
    const before = await drain(client.readAll({}));
    const progress = await drain(client.scavenge({ batchSize: 20 }));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatchObject({ done: true });
    expect(progress.at(-1)!.removed).toBeGreaterThanOrEqual(45n);
    expect(await drain(client.readAll({}))).toEqual(before);
    const db = new Database(test.database, { readonly: true });
    try {
      const row = db.prepare("select count(*) as count from events where stream = 'scav-1'").get() as { count: number };
      // The last event of the log is kept (emptied when hidden): 5 or 6 rows.
      expect(row.count).toBeLessThanOrEqual(6);
    } finally {
      db.close();
    }
  });
});

describe("ForgetSubject over gRPC", () => {
  it("erases the subject's events (erased set, no data), refuses its appends with a DataSubjectRefused detail", async () => {
    const test = await startTestServer({ storeOptions: { masterKey: randomBytes(32) } });
    try {
      const client = createClient(EventStore, createGrpcTransport({ baseUrl: test.url }));
      const data = new TextEncoder().encode("ada's phone number");
      await client.append({ stream: "person-ada", events: [{ id: randomUUID(), type: "test.Registered", data, metadata: { $data_subject: "ada" } }] });
      const [before] = (await drain(client.readStream({ stream: "person-ada" }))).flatMap((batch) => batch.events);
      expect(before).toMatchObject({ data, erased: false });
      expect(await client.forgetSubject({ subject: "ada" })).toMatchObject({ keyDestroyed: true });
      for (const events of [
        (await drain(client.readStream({ stream: "person-ada" }))).flatMap((batch) => batch.events),
        (await drain(client.readAll({}))).flatMap((batch) => batch.events),
        (await client.getEvents({ ids: [before!.id] })).events,
      ]) {
        expect(events[0]).toMatchObject({ id: before!.id, type: "test.Registered", revision: 0n, position: 1n, erased: true, data: new Uint8Array(0) });
      }
      const refused = await refusal(client.append({ stream: "person-ada", events: [{ id: randomUUID(), type: "test.Moved", data, metadata: { $data_subject: "ada" } }] }));
      expect(Code[refused.code]).toBe("FailedPrecondition");
      expect(refused.findDetails(DataSubjectRefusedSchema)[0]?.subject).toBe("ada");
      expect(Code[(await refusal(client.forgetSubject({ subject: "" }))).code]).toBe("InvalidArgument");
    } finally {
      await test.stop();
    }
  });
});

describe("background scavenging", () => {
  it("removes what reads hide without being asked, in the server's own time", async () => {
    const test = await startTestServer({ server: { scavenge: { intervalMs: 50, batchSize: 100, pauseMs: 0 } } });
    try {
      const client = createClient(EventStore, createGrpcTransport({ baseUrl: test.url }));
      await client.append({ stream: "bg-1", events: proposed(200) });
      await client.append({ stream: "bg-2", events: proposed(1) });
      await client.deleteStream({ stream: "bg-1" });
      const count = () => {
        const db = new Database(test.database, { readonly: true });
        try {
          return (db.prepare("select count(*) as count from events").get() as { count: number }).count;
        } finally {
          db.close();
        }
      };
      const deadline = Date.now() + 10_000;
      while (count() > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(count()).toBe(1);
      expect((await drain(client.readAll({}))).flatMap((batch) => batch.events.map((event) => event.stream))).toEqual(["bg-2"]);
    } finally {
      await test.stop();
    }
  });
});
