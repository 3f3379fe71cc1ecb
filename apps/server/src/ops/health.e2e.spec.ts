import { afterEach, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@annals/protocol/grpc";
import type { EventStore } from "@annals/store";
import { startTestServer, type TestServer } from "../testing/test-server.js";

interface Fault {
  mode: "ok" | "fail" | "hang";
  /** The probes a hang holds: they answer when the database does again (`recover`). */
  held: Array<() => void>;
}

/** A store whose database can be made to fail or hang, as the health probe sees it. */
function faultyStore(store: EventStore, fault: Fault): EventStore {
  return {
    ...store,
    headPosition: () =>
      fault.mode === "ok"
        ? store.headPosition()
        : fault.mode === "fail"
          ? Promise.reject(new Error("database is gone"))
          : new Promise<number>((resolve) => fault.held.push(() => void store.headPosition().then(resolve))),
  };
}

/** The database answers again, the queries it held included. */
function recover(fault: Fault): void {
  fault.mode = "ok";
  for (const answer of fault.held.splice(0)) answer();
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("grpc.health.v1.Health on a real server", () => {
  let test: TestServer | undefined;
  afterEach(async () => {
    await test?.stop();
    test = undefined;
  });

  const healthClient = (url: string) => createClient(Health, createGrpcTransport({ baseUrl: url }));

  it("answers SERVING overall and per service, NOT_FOUND for an unknown service, and lists them all", async () => {
    test = await startTestServer();
    const health = healthClient(test.url);
    expect((await health.check({ service: "" })).status).toBe(Status.SERVING);
    expect((await health.check({ service: "annals.eventstore.v1.EventStore" })).status).toBe(Status.SERVING);
    expect((await health.check({ service: "grpc.reflection.v1.ServerReflection" })).status).toBe(Status.SERVING);
    const unknown = await health.check({ service: "no.such.Service" }).catch((error: unknown) => error);
    expect(ConnectError.from(unknown).code).toBe(Code.NotFound);
    const list = await health.list({});
    expect(Object.keys(list.statuses)).toEqual(
      expect.arrayContaining(["", "annals.eventstore.v1.EventStore", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"]),
    );
  });

  it("reports NOT_SERVING while the database fails or hangs, and SERVING again once it answers", async () => {
    const fault: Fault = { mode: "ok", held: [] };
    test = await startTestServer({
      wrapStore: (store) => faultyStore(store, fault),
      // A timeout far above a probe's time on a loaded machine: only the hang may trip it.
      server: { healthProbeIntervalMs: 20, healthProbeTimeoutMs: 500 },
    });
    const health = healthClient(test.url);
    const abort = new AbortController();
    const watched: Status[] = [];
    const watching = (async () => {
      for await (const response of health.watch({ service: "annals.eventstore.v1.EventStore" }, { signal: abort.signal })) watched.push(response.status);
    })().catch(() => undefined);
    await until(() => watched.length === 1);

    // Each state is held until the watcher has seen it: a watch sends the status it finds
    // when it runs, so a state that came and went while it was sending is not repeated.
    const watcherSees = (status: Status) => until(() => watched[watched.length - 1] === status);
    fault.mode = "fail";
    await until(async () => (await health.check({})).status === Status.NOT_SERVING);
    await watcherSees(Status.NOT_SERVING);
    expect((await fetch(`${test.url}/readyz`)).status).toBe(503);
    // The reflection service does not need the database.
    expect((await health.check({ service: "grpc.reflection.v1.ServerReflection" })).status).toBe(Status.SERVING);

    fault.mode = "ok";
    await until(async () => (await health.check({})).status === Status.SERVING);
    await watcherSees(Status.SERVING);
    fault.mode = "hang";
    await until(async () => (await health.check({})).status === Status.NOT_SERVING);
    await watcherSees(Status.NOT_SERVING);
    // Probes that still hang keep new ones from starting (at most two run at once), so
    // the server can only tell that the database answers again once they do.
    recover(fault);
    await until(() => watched.length === 5);
    expect(watched).toEqual([Status.SERVING, Status.NOT_SERVING, Status.SERVING, Status.NOT_SERVING, Status.SERVING]);
    expect((await fetch(`${test.url}/readyz`)).status).toBe(200);
    abort.abort();
    await watching;
  });

  it("tells watchers NOT_SERVING when the server drains, then ends their streams", async () => {
    test = await startTestServer();
    const health = healthClient(test.url);
    const watched: Status[] = [];
    const watching = (async () => {
      for await (const response of health.watch({ service: "" })) watched.push(response.status);
    })();
    await until(() => watched.length === 1);
    await test.server.close();
    await watching;
    expect(watched).toEqual([Status.SERVING, Status.NOT_SERVING]);
  });

  it("answers SERVICE_UNKNOWN to a watch of an unknown service without ending it", async () => {
    test = await startTestServer();
    const abort = new AbortController();
    const stream = healthClient(test.url).watch({ service: "no.such.Service" }, { signal: abort.signal })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.status).toBe(Status.SERVICE_UNKNOWN);
    abort.abort();
  });
});
