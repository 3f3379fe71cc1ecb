import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient, type ResolvedEvent } from "@annals/sdk";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { annals, annalsLive, ndjson } from "./testing/run-cli.js";

interface ExportRecord {
  id: string;
  stream: string;
  revision: number;
  position: number;
  data: string;
}

/**
 * What `annals export` writes for `$all` when `streams` streams took turns, one
 * event each, `perStream` times: no two neighbours share a stream, the hardest
 * case to batch.
 */
function interleavedExport(streams: number, perStream: number): ExportRecord[] {
  const prefix = randomUUID().slice(0, 8);
  const records: ExportRecord[] = [];
  for (let revision = 0; revision < perStream; revision += 1) {
    for (let stream = 0; stream < streams; stream += 1) {
      records.push({ id: randomUUID(), stream: `imported-${prefix}-${stream}`, revision, position: records.length + 1, data: Buffer.from(`{"n":${records.length}}`).toString("base64") });
    }
  }
  return records;
}

function exportText(records: readonly ExportRecord[]): string {
  const lines = records.map(({ id, stream, revision, position, data }) =>
    JSON.stringify({ id, stream, revision, position, type: "test.Imported", contentType: "application/json", metadata: { source: "test" }, recordedAt: new Date(0).toISOString(), data }),
  );
  return `${lines.join("\n")}\n`;
}

async function readEverything(url: string): Promise<ResolvedEvent[]> {
  const client = createAnnalsClient({ baseUrl: url });
  const events: ResolvedEvent[] = [];
  for await (const event of client.readAll()) events.push(event);
  client.close();
  return events;
}

/** Each stream's events hold the export's ids at its revisions, each event once. */
function expectSameHistories(stored: readonly ResolvedEvent[], records: readonly ExportRecord[]): void {
  expect(stored).toHaveLength(records.length);
  expect(new Set(stored.map((event) => event.id)).size).toBe(records.length);
  const byStream = (entries: ReadonlyArray<{ stream: string; revision: number | bigint; id: string }>) => {
    const streams = new Map<string, string[]>();
    for (const entry of entries) {
      const ids = streams.get(entry.stream) ?? [];
      expect(Number(entry.revision)).toBe(ids.length);
      ids.push(entry.id);
      streams.set(entry.stream, ids);
    }
    return streams;
  };
  expect(byStream(stored)).toEqual(byStream(records));
}

/** The rate `annals import` reports on its last line. */
function reportedRate(stderr: string): number {
  const match = /\((\d+) events\/s\)\n$/.exec(stderr);
  if (!match) throw new Error(`no rate in: ${stderr}`);
  return Number(match[1]);
}

describe("annals import of an interleaved export", () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "annals-import-"));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("pipelines many streams at once: far faster than one append at a time, every stream's history intact", async () => {
    // 60,000 events: enough for the rate to be the sustained one rather than the start's.
    const records = interleavedExport(300, 200);
    const file = join(folder, "interleaved.ndjson");
    writeFileSync(file, exportText(records));
    const oneAtATime = join(folder, "first-600.ndjson");
    writeFileSync(oneAtATime, exportText(records.slice(0, 600)));
    const before = await startTestServer();
    const after = await startTestServer();
    try {
      // The former strategy: one append in flight, consecutive lines of one stream together.
      const serial = await annals(["import", "--in", oneAtATime, "--keep-order"], { url: before.url, timeoutMs: 120_000 });
      expect(serial.code, serial.stderr).toBe(0);
      const pipelined = await annals(["import", "--in", file, "--progress"], { url: after.url, timeoutMs: 120_000 });
      expect(pipelined.code, pipelined.stderr).toBe(0);
      expect(pipelined.stderr).toMatch(/importing \[[#-]+\] \d+% \| \d+ events \| \d+ events\/s/);
      expect(pipelined.stderr).toContain(`imported ${records.length} events into 300 streams in `);
      const serialRate = reportedRate(serial.stderr);
      const pipelinedRate = reportedRate(pipelined.stderr);
      console.log(`import of an interleaved export (300 streams): --keep-order ${serialRate} events/s (600 events), pipelined ${pipelinedRate} events/s (${records.length} events)`);
      expect(pipelinedRate).toBeGreaterThan(10 * serialRate);

      expectSameHistories(await readEverything(after.url), records);
      // One append at a time keeps the file's order exactly.
      expect((await readEverything(before.url)).map((event) => event.id)).toEqual(records.slice(0, 600).map((record) => record.id));
    } finally {
      await before.stop();
      await after.stop();
    }
  }, 240_000);

  it("resumes after kill -9 half way: a second run stores the rest, every event exactly once", async () => {
    const records = interleavedExport(400, 100);
    const file = join(folder, "killed.ndjson");
    writeFileSync(file, exportText(records));
    const target = await startTestServer();
    const client = createAnnalsClient({ baseUrl: target.url });
    const head = async () => {
      let position = 0n;
      for await (const last of client.readAll({ direction: "backwards", maxCount: 1 })) position = last.position;
      return Number(position);
    };
    try {
      // A window smaller than the file: memory stays bounded, and the kill lands mid-stream for many streams.
      const first = annalsLive(["import", "--in", file, "--window", "5000", "--no-progress"], { url: target.url });
      let stored = 0;
      const exitedEarly = first.exited.then(() => true);
      while (stored < 4_000) {
        if (await Promise.race([exitedEarly, new Promise<false>((resolve) => setTimeout(() => resolve(false), 10))])) break;
        stored = await head();
      }
      first.child.kill("SIGKILL");
      expect(await first.exited, "the first run was cut short").toBeNull();
      const atKill = await head();
      expect(atKill).toBeGreaterThanOrEqual(4_000);
      expect(atKill).toBeLessThan(records.length);

      const second = await annals(["import", "--in", file], { url: target.url, timeoutMs: 120_000 });
      expect(second.code, second.stderr).toBe(0);
      const summary = /imported (\d+) events into \d+ streams \((\d+) already present\)/.exec(second.stderr);
      expect(summary, second.stderr).not.toBeNull();
      expect(Number(summary![1]) + Number(summary![2])).toBe(records.length);
      expect(Number(summary![2])).toBeGreaterThanOrEqual(atKill);
      expectSameHistories(await readEverything(target.url), records);

      const third = await annals(["import", "--in", file], { url: target.url, timeoutMs: 120_000 });
      expect(third.stderr).toContain(`imported 0 events into 400 streams (${records.length} already present)`);
    } finally {
      client.close();
      await target.stop();
    }
  }, 240_000);

  it("exports named checkpoints at their place in the log, and imports them at the matching position", async () => {
    const source: TestServer = await startTestServer();
    const target: TestServer = await startTestServer();
    const client = createAnnalsClient({ baseUrl: source.url });
    try {
      const streams = ["cp-a", "cp-b", "cp-c"].map((name) => `${name}-${randomUUID().slice(0, 8)}`);
      for (let round = 0; round < 20; round += 1) {
        for (const stream of streams) await client.appendToStream(stream, [{ type: "test.Checkpointed", data: new Uint8Array([round]) }]);
      }
      await client.setCheckpoint("projector", 25);
      await client.setCheckpoint("done", 60);
      const file = join(folder, "checkpoints.ndjson");
      const exported = await annals(["export", "--out", file, "--checkpoint", "projector", "--checkpoint", "done"], { url: source.url });
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).toContain("exported 60 events and 2 checkpoints to ");
      const lines = ndjson(readFileSync(file, "utf8"));
      expect(lines[25]).toMatchObject({ checkpoint: "projector", position: 25 });
      expect(lines[24]).toMatchObject({ position: 25 });
      expect(lines.at(-1)).toMatchObject({ checkpoint: "done", position: 60 });

      const imported = await annals(["import", "--in", file], { url: target.url });
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).toContain("imported 60 events into 3 streams, 2 checkpoints in ");
      const copy = createAnnalsClient({ baseUrl: target.url });
      const stored = await readEverything(target.url);
      const sourceIds = (await readEverything(source.url)).map((event) => event.id);
      for (const [name, at] of [["projector", 25], ["done", 60]] as const) {
        const checkpoint = await copy.getCheckpoint(name);
        expect(checkpoint, name).toBeDefined();
        // The events up to the checkpoint in the copy are exactly those up to it in the source.
        const upTo = stored.filter((event) => event.position <= checkpoint!.position).map((event) => event.id);
        expect(new Set(upTo), name).toEqual(new Set(sourceIds.slice(0, at)));
      }
      copy.close();

      const missing = await annals(["export", "--checkpoint", "nope"], { url: source.url });
      expect(missing).toMatchObject({ code: 1, stderr: "annals: checkpoint nope does not exist\n" });
    } finally {
      client.close();
      await source.stop();
      await target.stop();
    }
  }, 120_000);
});
