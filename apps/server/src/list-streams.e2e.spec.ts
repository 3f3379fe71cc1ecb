import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { startTestServer, type TestServer } from "./testing/test-server.js";

describe("ListStreams through the SDK", () => {
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

  it("lists streams with counts in name order, across pages, by prefix", async () => {
    const prefix = `ls-${randomUUID().slice(0, 8)}-`;
    for (let index = 0; index < 7; index += 1) {
      await client.appendToStream(`${prefix}${index}`, Array.from({ length: index + 1 }, () => ({ type: "test.Listed", data: new Uint8Array() })));
    }
    await client.appendToStream(`other-${randomUUID()}`, [{ type: "test.Listed", data: new Uint8Array() }]);
    const listed = [];
    for await (const stream of client.listStreams({ prefix, pageSize: 3 })) listed.push(stream);
    expect(listed.map((stream) => [stream.stream, stream.eventCount, stream.lastRevision])).toEqual(
      Array.from({ length: 7 }, (_, index) => [`${prefix}${index}`, BigInt(index + 1), BigInt(index)]),
    );
    const page = await client.raw.listStreams({ prefix, pageSize: 5 });
    expect(page.streams).toHaveLength(5);
    const rest = await client.raw.listStreams({ prefix, pageSize: 5, pageToken: page.nextPageToken });
    expect(rest.streams.map((stream) => stream.stream)).toEqual([`${prefix}5`, `${prefix}6`]);
    expect(rest.nextPageToken).toBe("");
  });

  it("pages with listStreamsPage and tells each stream's last write time", async () => {
    const prefix = `lsp-${randomUUID().slice(0, 8)}-`;
    const answers = [];
    for (let index = 0; index < 3; index += 1) answers.push(await client.appendToStream(`${prefix}${index}`, [{ type: "test.Listed", data: new Uint8Array() }]));
    const first = await client.listStreamsPage({ prefix, pageSize: 2 });
    expect(first.streams.map((stream) => [stream.stream, stream.lastRecordedAt?.getTime()])).toEqual([
      [`${prefix}0`, answers[0]!.recordedAt.getTime()],
      [`${prefix}1`, answers[1]!.recordedAt.getTime()],
    ]);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await client.listStreamsPage({ prefix, pageSize: 2, pageToken: first.nextPageToken });
    expect(second.streams.map((stream) => stream.stream)).toEqual([`${prefix}2`]);
    expect(second.nextPageToken).toBeUndefined();
  });

  it("refuses a page token it did not issue", async () => {
    const error = await client.raw.listStreams({ pageToken: "not a token!" }).catch((caught: unknown) => ConnectError.from(caught));
    expect(error).toMatchObject({ code: Code.InvalidArgument });
  });
});
