import { randomUUID } from "node:crypto";
import { getEventListeners } from "node:events";
import { create, createRegistry } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurationSchema, TimestampSchema, file_google_protobuf_duration, file_google_protobuf_timestamp } from "@bufbuild/protobuf/wkt";
import { Code, WrongExpectedCheckpointError, WrongExpectedRevisionError, createAnnalsClient, isEventOf, protoEvent, type AnnalsClient, type ResolvedEvent } from "@annals/sdk";
import { startTestServer, type TestServer } from "./testing/test-server.js";

async function collect(events: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> {
  const all: ResolvedEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const raw = (type = "test.Happened", body = "x") => ({ type, data: new TextEncoder().encode(body) });

describe.each(["grpc", "connect", "grpc-web"] as const)("SDK over %s against a real server", (protocol) => {
  let server: TestServer;
  let client: AnnalsClient;

  beforeAll(async () => {
    server = await startTestServer();
    client = createAnnalsClient({ baseUrl: server.url, protocol, registry: createRegistry(file_google_protobuf_timestamp, file_google_protobuf_duration) });
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it("appends typed protobuf events and reads them back decoded", async () => {
    const stream = `typed-${randomUUID()}`;
    const result = await client.appendToStream(
      stream,
      [
        protoEvent(TimestampSchema, create(TimestampSchema, { seconds: 100n, nanos: 7 }), { metadata: { actor: "ada" } }),
        create(DurationSchema, { seconds: 50n }),
      ],
      { expectedRevision: "no_stream" },
    );
    expect(result.revision).toBe(1n);
    const events = await collect(client.readStream(stream));
    expect(events.map((event) => event.type)).toEqual(["google.protobuf.Timestamp", "google.protobuf.Duration"]);
    expect(events.map((event) => event.revision)).toEqual([0n, 1n]);
    const [opened, deposited] = events;
    expect(isEventOf(opened!, TimestampSchema) && opened.message.nanos).toBe(7);
    expect(isEventOf(deposited!, DurationSchema) && deposited.message.seconds).toBe(50n);
    expect(opened!.metadata).toEqual({ actor: "ada" });
    expect(opened!.recordedAt).toBeInstanceOf(Date);
    expect(Math.abs(opened!.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("raises a typed WrongExpectedRevisionError with the expected and actual revision", async () => {
    const stream = `conflict-${randomUUID()}`;
    await client.appendToStream(stream, [raw(), raw()]);
    const error = await client.appendToStream(stream, [raw()], { expectedRevision: 0n }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ stream, expected: 0n, actual: 1n, code: Code.FailedPrecondition });
    const missing = await client.appendToStream(`missing-${randomUUID()}`, [raw()], { expectedRevision: "stream_exists" }).catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ kind: "wrong-expected-revision", expected: "stream_exists", actual: undefined });
  });

  it("retries idempotently with client-chosen ids", async () => {
    const stream = `idem-${randomUUID()}`;
    const events = [{ ...raw(), id: randomUUID() }, { ...raw(), id: randomUUID() }];
    const first = await client.appendToStream(stream, events, { expectedRevision: "no_stream" });
    const again = await client.appendToStream(stream, events, { expectedRevision: "no_stream" });
    expect(again).toEqual(first);
    expect(await collect(client.readStream(stream))).toHaveLength(2);
  });

  it("reads backwards, from a revision, with a max count, across many batches", async () => {
    const stream = `long-${randomUUID()}`;
    for (let round = 0; round < 3; round += 1) {
      await client.appendToStream(stream, Array.from({ length: 1_000 }, (_, index) => raw("test.N", `${round}-${index}`)));
    }
    const all = await collect(client.readStream(stream));
    expect(all).toHaveLength(3_000);
    expect(all.every((event, index) => event.revision === BigInt(index))).toBe(true);
    const tail = await collect(client.readStream(stream, { direction: "backwards", maxCount: 3 }));
    expect(tail.map((event) => event.revision)).toEqual([2_999n, 2_998n, 2_997n]);
    const middle = await collect(client.readStream(stream, { fromRevision: 1_500, maxCount: 2 }));
    expect(middle.map((event) => event.revision)).toEqual([1_500n, 1_501n]);
  });

  it("reads $all in position order and tells a stream's state", async () => {
    const a = `all-a-${randomUUID()}`;
    const b = `all-b-${randomUUID()}`;
    const first = await client.appendToStream(a, [raw()]);
    await client.appendToStream(b, [raw(), raw()]);
    const events = await collect(client.readAll({ fromPosition: first.position }));
    expect(events.map((event) => event.stream)).toEqual([a, b, b]);
    expect(events.map((event) => event.position)).toEqual([first.position, first.position + 1n, first.position + 2n]);
    const backwards = await collect(client.readAll({ direction: "backwards", maxCount: 1 }));
    expect(backwards[0]!.position).toBe(first.position + 2n);
    expect(await client.getStream(b)).toEqual({ lastRevision: 1n, lastPosition: first.position + 2n });
    expect(await client.getStream(`nobody-${randomUUID()}`)).toBeUndefined();
  });

  it("breaking out of a read cancels it and the client stays usable", async () => {
    const stream = `cancel-${randomUUID()}`;
    await client.appendToStream(stream, Array.from({ length: 2_000 }, () => raw()));
    let seen = 0;
    for await (const event of client.readStream(stream)) {
      seen += 1;
      if (event.revision === 10n) break;
    }
    expect(seen).toBe(11);
    expect(await client.getStream(stream)).toEqual({ lastRevision: 1_999n, lastPosition: expect.any(BigInt) });
  });

  it("leaves no listener on a caller's long-lived signal, whether a read ends, is left early or fails", async () => {
    const stream = `signal-${randomUUID()}`;
    await client.appendToStream(stream, Array.from({ length: 20 }, () => raw()));
    const caller = new AbortController();
    for (let round = 0; round < 10; round += 1) {
      expect(await collect(client.readStream(stream, { signal: caller.signal }))).toHaveLength(20);
      for await (const event of client.readAll({ signal: caller.signal, fromPosition: 0n })) if (event.revision >= 0n) break;
      await expect(collect(client.readStream("", { signal: caller.signal }))).rejects.toMatchObject({ code: Code.InvalidArgument });
    }
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    // The signal still cancels a read it is given.
    const reading = collect(client.readStream(stream, { signal: caller.signal }));
    caller.abort();
    await expect(reading).rejects.toMatchObject({ code: Code.Canceled });
  });

  it("maps invalid input to INVALID_ARGUMENT with the field", async () => {
    const error = await client.appendToStream("", [raw()]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: Code.InvalidArgument, field: "stream" });
  });

  it("answers the commit time of an append, finds events by id, and moves checkpoints compare-and-set", async () => {
    const stream = `facilities-${randomUUID()}`;
    const ids = [randomUUID(), randomUUID()];
    const appended = await client.appendToStream(stream, ids.map((id) => ({ ...raw(), id })));
    expect(Math.abs(appended.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
    const found = await client.getEvents([ids[1]!, randomUUID(), ids[0]!]);
    expect(found.map((event) => [event.id, event.revision, event.recordedAt.getTime()])).toEqual([
      [ids[0], 0n, appended.recordedAt.getTime()],
      [ids[1], 1n, appended.recordedAt.getTime()],
    ]);
    const name = `cas-${randomUUID()}`;
    await client.setCheckpoint(name, 10n, { expectedPosition: 0n });
    const conflict = await client.setCheckpoint(name, 20n, { expectedPosition: 0n }).catch((caught: unknown) => caught);
    expect(conflict).toBeInstanceOf(WrongExpectedCheckpointError);
    expect(conflict).toMatchObject({ checkpoint: name, expected: 0n, actual: 10n, code: Code.FailedPrecondition });
    await client.setCheckpoint(name, 20n, { expectedPosition: 10n });
    expect((await client.getCheckpoint(name))?.position).toBe(20n);
  });

  it("delivers a subscription batch by batch, says in order when it caught up, and ends on a callback's error", async () => {
    const stream = `batches-${randomUUID()}`;
    await client.appendToStream(stream, Array.from({ length: 5 }, () => raw()));
    const marks: string[] = [];
    const subscription = client.subscribe({ stream, onCaughtUp: (position) => void marks.push(`caught up at ${position}`) });
    const batches: bigint[][] = [];
    for await (const batch of subscription.batches()) {
      marks.push(`batch of ${batch.length}`);
      batches.push(batch.map((event) => event.revision));
      if (batches.length === 1) await client.appendToStream(stream, [raw()]);
      else break;
    }
    expect(batches).toEqual([[0n, 1n, 2n, 3n, 4n], [5n]]);
    expect(marks).toEqual(["batch of 5", expect.stringMatching(/^caught up at \d+$/), "batch of 1"]);
    expect(subscription.revision).toBe(5n);
    expect(() => subscription[Symbol.asyncIterator]()).toThrow(TypeError);
    const failing = client.subscribe({ stream, onCaughtUp: () => Promise.reject(new Error("the consumer failed")) });
    await expect(collect(failing)).rejects.toThrow("the consumer failed");
  });
});
