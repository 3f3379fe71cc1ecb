import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { createThrowawaySchema, startPostgresRelay, type PostgresRelay, type ThrowawaySchema } from "@annals/store/testing-postgres";
import { startServerProcess, type ServerProcess } from "./testing/server-process.js";

const raw = (body: string) => ({ type: "test.Happened", data: new TextEncoder().encode(body) });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withSchema(url: string, schema: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`;
}

/** Reads a subscription into `into` in the background until it ends. */
function drain(subscription: AsyncIterable<{ position: bigint }>, into: Array<{ position: bigint; at: number }>): Promise<void> {
  return (async () => {
    for await (const event of subscription) into.push({ position: event.position, at: performance.now() });
  })();
}

// Two real server processes on one PostgreSQL schema: B's subscribers see what A
// writes (LISTEN/NOTIFY wakes B, which reads the events from the database).
describe("two server processes on one PostgreSQL database", () => {
  let scratch: ThrowawaySchema;
  let relay: PostgresRelay;
  let a: ServerProcess;
  let b: ServerProcess;
  let clientA: AnnalsClient;
  let clientB: AnnalsClient;

  beforeAll(async () => {
    scratch = await createThrowawaySchema({ create: false });
    // B reaches the database through a relay the test can cut.
    relay = await startPostgresRelay(scratch.url);
    [a, b] = await Promise.all([
      startServerProcess(["--port", "0", "--db", withSchema(scratch.url, scratch.schema)]),
      startServerProcess(["--port", "0", "--db", withSchema(relay.url, scratch.schema)]),
    ]);
    clientA = createAnnalsClient({ baseUrl: a.url });
    clientB = createAnnalsClient({ baseUrl: b.url });
  });
  afterAll(async () => {
    clientA?.close();
    clientB?.close();
    a?.child.kill("SIGKILL");
    b?.child.kill("SIGKILL");
    await relay?.stop();
    await scratch?.drop();
  });

  it("an event appended through A reaches a live subscriber on B quickly; a catch-up on B sees everything A wrote", async () => {
    const received: Array<{ position: bigint; at: number }> = [];
    const stop = new AbortController();
    const subscription = clientB.subscribe({ all: true, from: "end", signal: stop.signal });
    const reading = drain(subscription, received);
    await subscription.caughtUp;

    const latencies: number[] = [];
    const written: bigint[] = [];
    for (let round = 0; round < 200; round += 1) {
      const started = performance.now();
      const { position } = await clientA.appendToStream(`scale-${round % 8}`, [raw(`${round}`)]);
      written.push(position);
      const deadline = Date.now() + 5_000;
      while (!received.some((event) => event.position === position)) {
        if (Date.now() > deadline) throw new Error(`position ${position} did not reach B within 5 s`);
        await sleep(0.5);
      }
      latencies.push(received.find((event) => event.position === position)!.at - started);
      await sleep(2);
    }
    stop.abort();
    await reading;
    expect(received.map((event) => event.position)).toEqual(written);

    latencies.sort((x, y) => x - y);
    const p50 = latencies[Math.floor(latencies.length * 0.5)]!;
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    console.log(`A → B live fan-out over 200 appends: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    // The target is p99 ≤ 50 ms (figure printed above); the bound here leaves room for a loaded CI machine.
    expect(p99).toBeLessThan(500);

    const caughtUp: bigint[] = [];
    for await (const event of clientB.readAll()) caughtUp.push(event.position);
    expect(caughtUp).toEqual(written);
  });

  it("a live subscription on B resumes without loss or duplicate after B loses the database for a while", async () => {
    let head = 0n;
    for await (const event of clientA.readAll({ direction: "backwards", maxCount: 1 })) head = event.position;
    const received: Array<{ position: bigint; at: number }> = [];
    const stop = new AbortController();
    const subscription = clientB.subscribe({ all: true, from: { after: head }, signal: stop.signal });
    const reading = drain(subscription, received);
    await subscription.caughtUp;

    const written: bigint[] = [];
    const write = async (count: number) => {
      for (let index = 0; index < count; index += 1) written.push((await clientA.appendToStream("outage", [raw(`${index}`)])).position);
    };
    await write(20);
    await relay.stop(); // B's database connections drop; A keeps writing
    await write(50);
    await sleep(1_000);
    await relay.start();
    await write(20);

    const deadline = Date.now() + 20_000;
    while (received.length < written.length && Date.now() < deadline) await sleep(20);
    stop.abort();
    await reading;
    expect(received.map((event) => event.position)).toEqual(written);
  });
});
