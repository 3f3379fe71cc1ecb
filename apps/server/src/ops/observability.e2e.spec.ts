import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { EventStore } from "@annals/protocol";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const event = () => ({ id: randomUUID(), type: "test.Observed", data: new Uint8Array([1]), contentType: "", metadata: {} });

/** The value of one sample in Prometheus text, e.g. `annals_events_appended_total`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? "").split(",");
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return undefined;
}

describe("metrics and request logs on a real server", () => {
  let test: TestServer | undefined;
  afterEach(async () => {
    await test?.stop();
    test = undefined;
  });

  it("serves Prometheus metrics: RPCs by method and code, latency, appends, subscriptions, pool, process", async () => {
    test = await startTestServer();
    const client = createClient(EventStore, createGrpcTransport({ baseUrl: test.url }));
    const stream = `metered-${randomUUID()}`;
    await client.append({ stream, events: [event(), event()] });
    await client.append({ stream, events: [event()] });
    await client.getStream({ stream: "" }).catch(() => undefined);
    for await (const _ of client.readStream({ stream })) void _;

    const subscription = test.server.metrics.subscriptions.open(0);
    let text = await (await fetch(`${test.url}/metrics`)).text();
    const eventStore = { service: "annals.eventstore.v1.EventStore" };
    expect(sample(text, "annals_rpc_requests_total", { ...eventStore, method: "Append", code: "OK" })).toBe(2);
    expect(sample(text, "annals_rpc_requests_total", { ...eventStore, method: "ReadStream", code: "OK" })).toBe(1);
    expect(sample(text, "annals_rpc_errors_total", { ...eventStore, method: "GetStream", code: "INVALID_ARGUMENT" })).toBe(1);
    expect(sample(text, "annals_rpc_errors_total", { ...eventStore, method: "Append" })).toBeUndefined();
    expect(sample(text, "annals_rpc_duration_seconds_count", { ...eventStore, method: "Append" })).toBe(2);
    expect(sample(text, "annals_rpc_duration_seconds_bucket", { ...eventStore, method: "Append", le: "+Inf" })).toBe(2);
    expect(sample(text, "annals_events_appended_total")).toBe(3);
    expect(sample(text, "annals_head_position")).toBe(3);
    expect(sample(text, "annals_database_up")).toBe(1);
    expect(sample(text, "annals_subscriptions_active")).toBe(1);
    expect(sample(text, "annals_subscription_lag_events")).toBe(3);
    expect(sample(text, "annals_db_pool_connections", { pool: "reader", state: "used" })).toBe(0);
    expect(sample(text, "annals_db_pool_max_connections", { pool: "writer" })).toBe(1);
    expect(sample(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(text).toContain("nodejs_eventloop_lag_seconds");

    subscription.delivered(3n);
    text = await (await fetch(`${test.url}/metrics`)).text();
    expect(sample(text, "annals_subscription_lag_events")).toBe(0);
    subscription.close();
    text = await (await fetch(`${test.url}/metrics`)).text();
    expect(sample(text, "annals_subscriptions_active")).toBe(0);
    expect((await fetch(`${test.url}/elsewhere`)).status).toBe(404);
  });

  it("serves no metrics when they are off", async () => {
    test = await startTestServer({ server: { metrics: false } });
    expect((await fetch(`${test.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${test.url}/healthz`)).status).toBe(200);
  });

  it("logs one line per request with method, code, duration and the request id it echoes", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    test = await startTestServer({ server: { logger: pino({ level: "info" }, sink) } });
    const client = createClient(EventStore, createGrpcTransport({ baseUrl: test.url }));
    const echoed: string[] = [];
    const onHeader = (headers: Headers) => echoed.push(headers.get("x-request-id") ?? "none");

    await client.getStream({ stream: "given-id" }, { headers: { "x-request-id": "req-123" }, onHeader });
    // An error carries the id in its metadata (gRPC sends it in a trailers-only response).
    const failed = await client.getStream({ stream: "" }).then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    echoed.push(failed?.metadata.get("x-request-id") ?? "none");
    for await (const _ of client.readAll({ maxCount: 1n }, { onHeader })) void _;
    // Plain HTTP gets an id too.
    const scraped = await fetch(`${test.url}/healthz`);
    expect(scraped.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const rpcs = lines.filter((line) => typeof line["rpc"] === "string");
    expect(rpcs).toHaveLength(3);
    expect(rpcs[0]).toMatchObject({ requestId: "req-123", rpc: "annals.eventstore.v1.EventStore/GetStream", code: "OK", durationMs: expect.any(Number) });
    expect(rpcs[1]).toMatchObject({ rpc: "annals.eventstore.v1.EventStore/GetStream", code: "INVALID_ARGUMENT", error: expect.stringContaining("stream") });
    expect(rpcs[2]).toMatchObject({ rpc: "annals.eventstore.v1.EventStore/ReadAll", code: "OK" });
    expect(echoed[0]).toBe("req-123");
    expect(echoed[1]).toBe(rpcs[1]!["requestId"]);
    expect(echoed[2]).toBe(rpcs[2]!["requestId"]);
    expect(new Set(echoed).size).toBe(3);
  });
});
