import { randomUUID } from "node:crypto";
import { create, createRegistry } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountOpenedSchema, MoneyDepositedSchema, file_annals_bank_v1_events } from "@annals/protocol/bank";
import { Code, WrongExpectedRevisionError, createAnnalsClient, isEventOf, protoEvent, type AnnalsClient, type ResolvedEvent } from "@annals/sdk";
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
    client = createAnnalsClient({ baseUrl: server.url, protocol, registry: createRegistry(file_annals_bank_v1_events) });
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it("appends typed protobuf events and reads them back decoded", async () => {
    const stream = `account-${randomUUID()}`;
    const result = await client.appendToStream(
      stream,
      [
        protoEvent(AccountOpenedSchema, create(AccountOpenedSchema, { accountId: stream, initialBalance: "100.00" }), { metadata: { actor: "ada" } }),
        create(MoneyDepositedSchema, { accountId: stream, amount: "50.00" }),
      ],
      { expectedRevision: "no_stream" },
    );
    expect(result.revision).toBe(1n);
    const events = await collect(client.readStream(stream));
    expect(events.map((event) => event.type)).toEqual(["annals.bank.v1.AccountOpened", "annals.bank.v1.MoneyDeposited"]);
    expect(events.map((event) => event.revision)).toEqual([0n, 1n]);
    const [opened, deposited] = events;
    expect(isEventOf(opened!, AccountOpenedSchema) && opened.message.initialBalance).toBe("100.00");
    expect(isEventOf(deposited!, MoneyDepositedSchema) && deposited.message.amount).toBe("50.00");
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

  it("maps invalid input to INVALID_ARGUMENT with the field", async () => {
    const error = await client.appendToStream("", [raw()]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: Code.InvalidArgument, field: "stream" });
  });
});
