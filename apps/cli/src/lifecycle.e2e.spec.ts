import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient } from "@annals/sdk";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { annals, ndjson } from "./testing/run-cli.js";

describe("annals metadata, delete, forget, scavenge against a real server", () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => test.stop());

  // Each run is a process of its own (seconds on a loaded machine): one run per command.
  it("sets and shows a stream's metadata, refuses a negative count, scavenges, deletes and forgets", { timeout: 90_000 }, async () => {
    const stream = `cli-life-${randomUUID()}`;
    const client = createAnnalsClient({ baseUrl: test.url });
    try {
      await client.appendToStream(stream, Array.from({ length: 6 }, () => ({ type: "test.Happened", data: new Uint8Array([1]) })));
      const set = await annals(["metadata", stream, "--max-count", "2", "--set", "owner=ops", "--expected-metadata-revision", "0"], { url: test.url });
      expect(set.code, set.stderr).toBe(0);
      expect(ndjson(set.stdout)[0]).toMatchObject({ stream, metadataRevision: 1, maxCount: 2, custom: { owner: "ops" }, deleted: false });
      const negative = await annals(["metadata", stream, "--max-count=-1"], { url: test.url });
      expect(negative.code).toBe(1);
      expect(negative.stderr).toMatch(/invalid argument \(max_count\)/);
      expect((await client.getStreamMetadata(stream)).maxCount).toBe(2n);

      const scavenged = ndjson((await annals(["scavenge", "--batch-size", "2"], { url: test.url })).stdout);
      expect(scavenged.length).toBeGreaterThan(1);
      expect(scavenged.at(-1)).toMatchObject({ done: true, removed: 4 });

      const deleted = await annals(["delete", stream, "--expected-revision", "5", "--tombstone"], { url: test.url });
      expect(ndjson(deleted.stdout)[0]).toEqual({ stream, tombstoned: true, lastRevision: 5 });
      await expect(client.appendToStream(stream, [{ type: "test.Happened", data: new Uint8Array([1]) }])).rejects.toMatchObject({ kind: "stream-tombstoned" });

      expect(ndjson((await annals(["forget", "nobody"], { url: test.url })).stdout)[0]).toEqual({ subject: "nobody", keyDestroyed: false });
    } finally {
      client.close();
    }
  });
});
