import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AnnalsError, Code, WrongExpectedRevisionError, createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import pg from "pg";
import { appendLockKeys } from "@annals/store";
import { createThrowawaySchema, startPostgresRelay, withPostgresClient, type PostgresRelay, type ThrowawaySchema } from "@annals/store/testing-postgres";
import { startServerProcess, type ServerProcess } from "./testing/server-process.js";
import { startTestServer, type TestServer } from "./testing/test-server.js";

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const raw = (body = "x") => ({ type: "test.Happened", data: new TextEncoder().encode(body) });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `url` with the `schema` parameter (and any others) added to its query. */
function withParameters(url: string, parameters: Record<string, string>): string {
  const query = new URLSearchParams(parameters).toString();
  return `${url}${url.includes("?") ? "&" : "?"}${query}`;
}

/** How a call ended: its gRPC code (`undefined` when it succeeded) and how long it took. */
async function outcome(call: Promise<unknown>): Promise<{ code: Code | undefined; ms: number }> {
  const started = Date.now();
  try {
    await call;
    return { code: undefined, ms: Date.now() - started };
  } catch (error) {
    if (!(error instanceof AnnalsError)) throw error;
    return { code: error.code, ms: Date.now() - started };
  }
}

/** Polls `check` until it holds, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

describe("the server on PostgreSQL, driven by the SDK over gRPC", () => {
  let scratch: ThrowawaySchema;
  let server: TestServer;
  let client: AnnalsClient;

  beforeAll(async () => {
    // The store creates the schema the URL names.
    scratch = await createThrowawaySchema({ create: false });
    server = await startTestServer({ database: withParameters(scratch.url, { schema: scratch.schema }) });
    client = createAnnalsClient({ baseUrl: server.url });
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
    await scratch?.drop();
  });

  it("keeps its tables in the schema the URL names", async () => {
    expect(server.store.backend).toBe("postgres");
    await client.appendToStream(`schema-${randomUUID()}`, [raw()]);
    const tables = await withPostgresClient(scratch.url, async (admin) => {
      const result = await admin.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = $1", [scratch.schema]);
      return result.rows.map((row) => row.table_name);
    });
    expect(tables).toEqual(expect.arrayContaining(["events", "streams"]));
  });

  it("appends and reads streams forwards and backwards, and $all from a position", async () => {
    const stream = `cart-${randomUUID()}`;
    const first = await client.appendToStream(stream, [raw("a"), raw("b")], { expectedRevision: "no_stream" });
    expect(first.revision).toBe(1n);
    const second = await client.appendToStream(stream, [raw("c")], { expectedRevision: 1n });
    expect(second).toMatchObject({ revision: 2n, position: first.position + 1n });

    const forwards = await collect(client.readStream(stream));
    expect(forwards.map((event) => [event.revision, new TextDecoder().decode(event.data)])).toEqual([
      [0n, "a"],
      [1n, "b"],
      [2n, "c"],
    ]);
    expect(forwards.map((event) => event.position)).toEqual([first.position - 1n, first.position, second.position]);
    const backwards = await collect(client.readStream(stream, { direction: "backwards", maxCount: 2 }));
    expect(backwards.map((event) => event.revision)).toEqual([2n, 1n]);

    const fromHere = await collect(client.readAll({ fromPosition: first.position - 1n }));
    expect(fromHere.map((event) => [event.stream, event.revision])).toEqual([
      [stream, 0n],
      [stream, 1n],
      [stream, 2n],
    ]);
    const whole = await collect(client.readAll());
    expect(whole.every((event, index) => index === 0 || event.position > whole[index - 1]!.position)).toBe(true);
    const last = await collect(client.readAll({ direction: "backwards", maxCount: 1 }));
    expect(last.map((event) => event.position)).toEqual([second.position]);
  });

  it("answers getStream for an existing and a missing stream", async () => {
    const stream = `state-${randomUUID()}`;
    const appended = await client.appendToStream(stream, [raw(), raw(), raw()]);
    expect(await client.getStream(stream)).toEqual({ lastRevision: 2n, lastPosition: appended.position });
    expect(await client.getStream(`missing-${randomUUID()}`)).toBeUndefined();
  });

  it("raises WrongExpectedRevisionError with the expected and actual revision, and stores nothing", async () => {
    const stream = `conflict-${randomUUID()}`;
    await client.appendToStream(stream, [raw(), raw()]);
    const stale = await client.appendToStream(stream, [raw()], { expectedRevision: 0n }).catch((caught: unknown) => caught);
    expect(stale).toBeInstanceOf(WrongExpectedRevisionError);
    expect(stale).toMatchObject({ stream, expected: 0n, actual: 1n, code: Code.FailedPrecondition });
    const exists = await client.appendToStream(stream, [raw()], { expectedRevision: "no_stream" }).catch((caught: unknown) => caught);
    expect(exists).toMatchObject({ kind: "wrong-expected-revision", expected: "no_stream", actual: 1n });
    const missing = await client.appendToStream(`missing-${randomUUID()}`, [raw()], { expectedRevision: "stream_exists" }).catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ kind: "wrong-expected-revision", expected: "stream_exists", actual: undefined });
    expect(await collect(client.readStream(stream))).toHaveLength(2);
  });

  it("of 16 concurrent appends with the same expected revision exactly one wins; a retry with the same ids is answered, not stored again", async () => {
    const stream = `race-${randomUUID()}`;
    await client.appendToStream(stream, [raw()], { expectedRevision: "no_stream" });
    const attempts = Array.from({ length: 16 }, (_, index) => [{ ...raw(`attempt-${index}`), id: randomUUID() }]);
    const outcomes = await Promise.allSettled(attempts.map((events) => client.appendToStream(stream, events, { expectedRevision: 0n })));
    const won = outcomes.flatMap((settled, index) => (settled.status === "fulfilled" ? [{ index, result: settled.value }] : []));
    const lost = outcomes.flatMap((settled) => (settled.status === "rejected" ? [settled.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(won[0]!.result.revision).toBe(1n);
    expect(lost).toHaveLength(15);
    for (const reason of lost) expect(reason).toMatchObject({ kind: "wrong-expected-revision", expected: 0n, actual: 1n });

    const retry = await client.appendToStream(stream, attempts[won[0]!.index]!, { expectedRevision: 0n });
    expect(retry).toEqual(won[0]!.result);
    expect((await collect(client.readStream(stream))).map((event) => event.revision)).toEqual([0n, 1n]);
  });
});

describe("a server process on PostgreSQL when the database goes away and comes back", () => {
  let scratch: ThrowawaySchema;
  let relay: PostgresRelay;
  let server: ServerProcess;
  let client: AnnalsClient;

  beforeAll(async () => {
    scratch = await createThrowawaySchema({ create: false });
    relay = await startPostgresRelay(scratch.url);
    // application_name marks the server's sessions, so that the test can find them.
    const db = withParameters(relay.url, { schema: scratch.schema, application_name: scratch.schema });
    server = await startServerProcess(["--port", "0", "--db", db, "--health-probe-interval-ms", "200", "--health-probe-timeout-ms", "1000"]);
    client = createAnnalsClient({ baseUrl: server.url });
  });
  afterAll(async () => {
    client?.close();
    server?.child.kill("SIGKILL");
    await relay?.stop();
    await scratch?.drop();
  });
  afterEach(async () => {
    await relay.start();
  });

  const ready = async () => (await fetch(`${server.url}/readyz`)).status === 200;
  const notReady = async () => (await fetch(`${server.url}/readyz`)).status === 503;

  it("answers UNAVAILABLE to every kind of call while the database is unreachable, and serves again once it is back, without a restart", async () => {
    const stream = `outage-${randomUUID()}`;
    await client.appendToStream(stream, [raw(), raw()], { expectedRevision: "no_stream" });
    expect(relay.connections).toBeGreaterThan(0);

    await relay.stop();
    const down = await Promise.all([
      outcome(client.appendToStream(stream, [raw()], { expectedRevision: 1n })),
      outcome(client.appendToStream(`other-${randomUUID()}`, [raw()])),
      outcome(client.getStream(stream)),
      outcome(collect(client.readStream(stream))),
      outcome(collect(client.readAll())),
      outcome(collect(client.listStreams())),
    ]);
    expect(down.map((call) => call.code)).toEqual(down.map(() => Code.Unavailable));
    for (const call of down) expect(call.ms).toBeLessThan(6_000);
    // Retries while it stays down keep failing the same way, fast (a refused connect, not a timeout).
    expect(await outcome(client.getStream(stream))).toMatchObject({ code: Code.Unavailable });
    expect(await eventually(notReady, 3_000)).toBe(true);

    await relay.start();
    expect(await client.appendToStream(stream, [raw()], { expectedRevision: 1n })).toMatchObject({ revision: 2n });
    expect(await client.getStream(stream)).toMatchObject({ lastRevision: 2n });
    expect((await collect(client.readStream(stream))).map((event) => event.revision)).toEqual([0n, 1n, 2n]);
    expect(await eventually(ready, 3_000)).toBe(true);

    // The same process served throughout, and reported no bug.
    expect(server.child.exitCode).toBeNull();
    expect(server.lines.filter((line) => line.includes("unexpected error"))).toEqual([]);
  });

  it("recovers when the database ends the server's sessions, as a restart does (admin shutdown): the append in flight is UNAVAILABLE, later ones succeed", async () => {
    const stream = `terminated-${randomUUID()}`;
    await client.appendToStream(stream, [raw()], { expectedRevision: "no_stream" });

    // An append in flight: the server's session waits for the append lock that another session holds.
    const holder = new pg.Client({ connectionString: scratch.url });
    holder.on("error", () => undefined);
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("select pg_advisory_xact_lock($1, $2)", [...appendLockKeys(scratch.schema)]);
      const inFlight = outcome(client.appendToStream(stream, [raw()], { expectedRevision: 0n }));
      const waiting = () =>
        holder
          .query<{ n: string }>("select count(*) as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [scratch.schema])
          .then((result) => result.rows[0]!.n === "1");
      expect(await eventually(waiting, 5_000)).toBe(true);
      const ended = await holder.query<{ ended: boolean }>("select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = $1", [scratch.schema]);
      expect(ended.rows.filter((row) => row.ended).length).toBeGreaterThan(0);
      expect(await inFlight).toMatchObject({ code: Code.Unavailable });
      await holder.query("rollback");
    } finally {
      await holder.end().catch(() => undefined);
    }

    // Every call gets a correct answer or UNAVAILABLE (never INTERNAL), and the server
    // recovers on its own; a retry sends the same event id, so it cannot store twice.
    const codes: Array<Code | undefined> = [];
    for (let revision = 1n; revision <= 5n; revision += 1n) {
      const events = [{ ...raw(), id: randomUUID() }];
      let code: Code | undefined;
      do {
        ({ code } = await outcome(client.appendToStream(stream, events, { expectedRevision: revision - 1n })));
        codes.push(code);
      } while (code === Code.Unavailable && codes.length < 20);
    }
    expect(codes.filter((code) => code !== undefined && code !== Code.Unavailable)).toEqual([]);
    expect((await collect(client.readStream(stream))).map((event) => event.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    expect(server.child.exitCode).toBeNull();
    expect(server.lines.filter((line) => line.includes("unexpected error"))).toEqual([]);
  });
});
