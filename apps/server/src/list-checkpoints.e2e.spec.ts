import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnnalsError, Code, createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { startTestServer, type TestServer } from "./testing/test-server.js";

describe("ListCheckpoints through the SDK", () => {
  let test: TestServer;
  let client: AnnalsClient;
  beforeAll(async () => {
    test = await startTestServer();
    client = createAnnalsClient({ baseUrl: test.url });
  });
  afterAll(async () => {
    client.close();
    await test.stop();
  });

  it("lists checkpoints in name order, page by page, by prefix, with the head of the log", async () => {
    const prefix = `cp-${randomUUID().slice(0, 8)}-`;
    const appended = await client.appendToStream(`stream-${randomUUID()}`, Array.from({ length: 5 }, () => ({ type: "test.Counted", data: new Uint8Array() })));
    const before = Date.now();
    for (const [name, position] of [["c", 5], ["a", 1], ["b", 3]] as const) await client.setCheckpoint(`${prefix}${name}`, position);
    await client.setCheckpoint(`other-${randomUUID()}`, 2);

    const first = await client.listCheckpoints({ prefix, pageSize: 2 });
    expect(first.checkpoints.map((checkpoint) => [checkpoint.name, checkpoint.position])).toEqual([
      [`${prefix}a`, 1n],
      [`${prefix}b`, 3n],
    ]);
    expect(first.headPosition).toBe(appended.position);
    expect(first.checkpoints[0]!.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    const second = await client.listCheckpoints({ prefix, pageSize: 2, pageToken: first.nextPageToken });
    expect(second.checkpoints.map((checkpoint) => checkpoint.name)).toEqual([`${prefix}c`]);
    expect(second.nextPageToken).toBeUndefined();
    // The same over Connect with JSON, as curl would ask.
    const response = await fetch(`${test.url}/annals.eventstore.v1.EventStore/ListCheckpoints`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prefix, pageSize: 1 }),
    });
    expect(await response.json()).toMatchObject({ checkpoints: [{ name: `${prefix}a`, position: "1" }], headPosition: String(appended.position) });
  });

  it("refuses a page token it did not issue, and grants at most the most per page", async () => {
    const error = await client.listCheckpoints({ pageToken: "not a token!" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AnnalsError);
    expect(error).toMatchObject({ code: Code.InvalidArgument, field: "page_token" });
    // A page size above the most is granted as the most, not refused.
    expect((await client.listCheckpoints({ pageSize: 50_000 })).checkpoints.length).toBeGreaterThan(0);
  });
});
