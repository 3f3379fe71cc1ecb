import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./testing/test-server.js";

// What curl sends: the Connect protocol with JSON over HTTP/1.1 (Node's fetch speaks HTTP/1.1).
describe("Connect JSON over HTTP/1.1", () => {
  let server: TestServer;
  const call = (method: string, body: unknown) =>
    fetch(`${server.url}/annals.eventstore.v1.EventStore/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("appends, reads the state and answers JSON", async () => {
    const stream = `json-${randomUUID()}`;
    const data = Buffer.from(JSON.stringify({ amount: "50.00" })).toString("base64");
    const response = await call("Append", {
      stream,
      events: [{ type: "shop.v1.ItemAdded", data, contentType: "application/json", metadata: { actor: "curl" } }],
      expectedRevision: { noStream: {} },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ revision: "0" });
    const state = await call("GetStream", { stream });
    expect(await state.json()).toMatchObject({ exists: true, lastRevision: "0", eventCount: "1" });
  });

  it("answers a conflict as failed_precondition with the revisions in the detail", async () => {
    const stream = `json-${randomUUID()}`;
    await call("Append", { stream, events: [{ type: "t.A", data: "" }] });
    const response = await call("Append", { stream, events: [{ type: "t.A", data: "" }], expectedRevision: { noStream: {} } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string; details: Array<{ type: string; debug: unknown }> };
    expect(body.code).toBe("failed_precondition");
    expect(body.message).toContain("actual 0");
    expect(body.details[0]).toMatchObject({ type: "annals.eventstore.v1.WrongExpectedRevision", debug: { stream, actualRevision: "0" } });
  });

  it("answers invalid input and malformed JSON as invalid_argument", async () => {
    const bad = await call("Append", { stream: "ok", events: [{ id: "nope", type: "t.A", data: "" }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_argument", details: [{ debug: { field: "events[0].id" } }] });
    const malformed = await fetch(`${server.url}/annals.eventstore.v1.EventStore/Append`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: "invalid_argument" });
  });

  it("serves a server stream with the Connect streaming envelope", async () => {
    const stream = `json-${randomUUID()}`;
    await call("Append", { stream, events: [{ type: "t.A", data: "" }, { type: "t.B", data: "" }] });
    const body = Buffer.from(JSON.stringify({ stream }));
    const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
    envelope.writeUInt32BE(body.length, 1);
    const response = await fetch(`${server.url}/annals.eventstore.v1.EventStore/ReadStream`, {
      method: "POST",
      headers: { "content-type": "application/connect+json" },
      body: envelope,
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const frames: Array<{ flags: number; json: unknown }> = [];
    for (let offset = 0; offset < bytes.length; ) {
      const length = bytes.readUInt32BE(offset + 1);
      frames.push({ flags: bytes[offset]!, json: JSON.parse(bytes.subarray(offset + 5, offset + 5 + length).toString()) });
      offset += 5 + length;
    }
    const events = frames.filter((frame) => frame.flags === 0).flatMap((frame) => (frame.json as { events: Array<{ type: string }> }).events);
    expect(events.map((event) => event.type)).toEqual(["t.A", "t.B"]);
    expect(frames.at(-1)).toMatchObject({ flags: 2, json: {} });
  });

  it("answers an unknown method with 404", async () => {
    const response = await call("Nope", {});
    expect(response.status).toBe(404);
  });
});
