import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createAnnalsClient, type AnnalsClient, type ReadStreamPageOptions } from "@annals/sdk";
import { useServersOnBothPaths, type UnaryPath } from "./testing/both-paths.js";

/**
 * ReadStreamPage: one page of a stream in one unary call, on the fast gRPC path
 * and through the Connect adapter, and the same pages on both.
 */
describe("ReadStreamPage", () => {
  const servers = useServersOnBothPaths();
  const paths: UnaryPath[] = ["fast", "adapter"];

  async function withClient<T>(path: UnaryPath, run: (client: AnnalsClient) => Promise<T>): Promise<T> {
    const client = createAnnalsClient({ baseUrl: servers[path]!.url });
    try {
      return await run(client);
    } finally {
      client.close();
    }
  }

  async function seeded(client: AnnalsClient, count: number): Promise<string> {
    const stream = `page-${randomUUID()}`;
    await client.appendToStream(
      stream,
      Array.from({ length: count }, (_, index) => ({ type: "test.Paged", data: new Uint8Array([index % 256]), metadata: { index: String(index) } })),
    );
    return stream;
  }

  /** Every page from `first` on: each page's revisions and the next revision it gave. */
  async function pages(client: AnnalsClient, stream: string, options: ReadStreamPageOptions): Promise<Array<[number[], bigint | undefined]>> {
    const seen: Array<[number[], bigint | undefined]> = [];
    let from = options.fromRevision;
    for (;;) {
      const page = await client.readStreamPage(stream, { ...options, fromRevision: from });
      seen.push([page.events.map((event) => Number(event.revision)), page.nextRevision]);
      if (page.nextRevision === undefined) return seen;
      from = page.nextRevision;
    }
  }

  it.each(paths)("pages through a stream forwards and backwards, each page saying where the next starts, and ends exactly (%s)", async (path) => {
    await withClient(path, async (client) => {
      const stream = await seeded(client, 10);
      expect(await pages(client, stream, { maxCount: 3 })).toEqual([
        [[0, 1, 2], 3n],
        [[3, 4, 5], 6n],
        [[6, 7, 8], 9n],
        [[9], undefined],
      ]);
      // A last page that is exactly full still says that nothing follows.
      expect(await pages(client, stream, { maxCount: 5 })).toEqual([
        [[0, 1, 2, 3, 4], 5n],
        [[5, 6, 7, 8, 9], undefined],
      ]);
      expect(await pages(client, stream, { direction: "backwards", maxCount: 4 })).toEqual([
        [[9, 8, 7, 6], 5n],
        [[5, 4, 3, 2], 1n],
        [[1, 0], undefined],
      ]);
      expect(await pages(client, stream, { fromRevision: 7, maxCount: 100 })).toEqual([[[7, 8, 9], undefined]]);
      // The events are those ReadStream gives, whole.
      const streamed = [];
      for await (const event of client.readStream(stream)) streamed.push(event);
      const paged = await client.readStreamPage(stream, { maxCount: 10 });
      expect(paged.events).toEqual(streamed);
    });
  });

  it.each(paths)("gives 100 events by default and at most 1,000 (%s)", async (path) => {
    await withClient(path, async (client) => {
      const stream = await seeded(client, 1_100);
      const byDefault = await client.readStreamPage(stream);
      expect([byDefault.events.length, byDefault.nextRevision]).toEqual([100, 100n]);
      const capped = await client.readStreamPage(stream, { maxCount: 5_000 });
      expect([capped.events.length, capped.events.at(-1)?.revision, capped.nextRevision]).toEqual([1_000, 999n, 1_000n]);
      const rest = await client.readStreamPage(stream, { fromRevision: capped.nextRevision, maxCount: 1_000 });
      expect([rest.events.length, rest.nextRevision]).toEqual([100, undefined]);
    });
  });

  it.each(paths)("answers an empty last page for a stream that does not exist or past the end, and NOT_FOUND for a tombstoned one (%s)", async (path) => {
    await withClient(path, async (client) => {
      expect(await client.readStreamPage(`missing-${randomUUID()}`)).toEqual({ events: [], nextRevision: undefined });
      const stream = await seeded(client, 2);
      expect(await client.readStreamPage(stream, { fromRevision: 2 })).toEqual({ events: [], nextRevision: undefined });
      await client.raw.tombstoneStream({ stream });
      const error = await client.raw.readStreamPage({ stream }).catch((caught: unknown) => ConnectError.from(caught));
      expect(error).toMatchObject({ code: Code.NotFound });
    });
  });

  it("gives the same bytes on the fast path and through the adapter", async () => {
    const answers = await Promise.all(
      paths.map((path) =>
        withClient(path, async (client) => {
          const stream = `same-${randomUUID()}`;
          await client.appendToStream(stream, [
            { id: "0190f1d2-3c4b-7a5e-8f6d-1a2b3c4d5e6f", type: "test.Same", data: new Uint8Array([1, 2, 3]), metadata: { a: "b" } },
            { id: "0190f1d2-3c4b-7a5e-8f6d-1a2b3c4d5e70", type: "test.Same", data: new Uint8Array(), metadata: {} },
          ]);
          const page = await client.raw.readStreamPage({ stream, maxCount: 1n });
          return { revisions: page.events.map((event) => event.revision), ids: page.events.map((event) => event.id), next: page.nextRevision };
        }),
      ),
    );
    expect(answers[0]).toEqual({ revisions: [0n], ids: ["0190f1d2-3c4b-7a5e-8f6d-1a2b3c4d5e6f"], next: 1n });
    expect(answers[1]).toEqual(answers[0]);
  });

  it("is served as Connect JSON too, with next_revision as JSON gives a uint64", async () => {
    await withClient("fast", async (client) => {
      const stream = await seeded(client, 3);
      const response = await fetch(`${servers.fast!.url}/annals.eventstore.v1.EventStore/ReadStreamPage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ stream, direction: "DIRECTION_BACKWARDS", maxCount: "2" }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { events: Array<{ revision: string; metadata: Record<string, string> }>; nextRevision?: string };
      expect(body.events.map((event) => [event.revision, event.metadata.index])).toEqual([
        ["2", "2"],
        ["1", "1"],
      ]);
      expect(body.nextRevision).toBe("0");
    });
  });
});
