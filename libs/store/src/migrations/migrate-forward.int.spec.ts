import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { EventStore } from "../event-store.js";
import { openEventStore } from "../open-event-store.js";
import { createThrowawaySchema, withPostgresClient, type ThrowawaySchema } from "../testing/postgres.js";

/**
 * Databases written by release 0.1 (a domain service's events and plain
 * streams, named checkpoints, read-model checkpoints, snapshots; see
 * `testing/fixtures/README.md`) open, migrate and read back exactly what 0.1 read.
 */
const fixtures = fileURLToPath(new URL("../testing/fixtures/", import.meta.url));

interface Expected {
  events: Array<Record<string, unknown> & { data: string }>;
  streams: unknown[];
  checkpoints: Record<string, { name: string; position: number; updatedAt: number }>;
  projectionCheckpoints: Record<string, number>;
}

function expected(file: string): Expected {
  return JSON.parse(readFileSync(join(fixtures, file), "utf8")) as Expected;
}

async function readEverything(store: EventStore) {
  const events = [];
  for await (const page of store.readAll()) for (const event of page) events.push({ ...event, data: Buffer.from(event.data).toString("base64") });
  return { events, streams: await store.listStreams({ limit: 1_000 }) };
}

async function expectReadsBack(store: EventStore, want: Expected): Promise<void> {
  // Each stream's last write time is the commit time of its last event.
  const recordedAt = new Map(want.events.map((event) => [event["position"] as number, event["recordedAt"] as number]));
  const streams = (want.streams as Array<{ lastPosition: number }>).map((stream) => ({ ...stream, lastRecordedAt: recordedAt.get(stream.lastPosition) }));
  expect(await readEverything(store)).toEqual({ events: want.events, streams });
  for (const [name, checkpoint] of Object.entries(want.checkpoints)) expect(await store.getCheckpoint(name)).toEqual(checkpoint);
  // The read-model checkpoints now live in the one checkpoint table.
  for (const [name, position] of Object.entries(want.projectionCheckpoints)) expect(await store.getCheckpoint(name)).toMatchObject({ name, position });
  // And the store goes on from there.
  const head = want.events.length;
  const appended = await store.appendToStream("after-migration", [{ type: "test.Migrated", data: new Uint8Array([7]) }], { expectedRevision: "no_stream" });
  expect(appended.position).toBe(head + 1);
}

describe("a SQLite database written by release 0.1", () => {
  const folder = mkdtempSync(join(tmpdir(), "annals-migrate-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  for (const driver of ["better-sqlite3", "sqlite3"] as const) {
    it(`opens with ${driver}, migrates, and reads back identically`, async () => {
      const database = join(folder, `${driver}.db`);
      copyFileSync(join(fixtures, "annals-0.1.sqlite.db"), database);
      const store = await openEventStore({ database, sqliteDriver: driver });
      try {
        await expectReadsBack(store, expected("annals-0.1.sqlite.expected.json"));
      } finally {
        await store.close();
      }
      // The tables the store no longer has are gone; the migration ran once.
      const reopened = await openEventStore({ database, sqliteDriver: driver });
      await reopened.close();
      const tables = execFileSync(process.execPath, [
        "-e",
        `const db = require("better-sqlite3")(${JSON.stringify(database)}); console.log(JSON.stringify(db.prepare("select name from sqlite_master where type = 'table' order by name").all().map((r) => r.name)));`,
      ]).toString();
      expect(JSON.parse(tables)).not.toContain("projection_checkpoints");
      expect(JSON.parse(tables)).not.toContain("snapshots");
    });
  }
});

describe("a PostgreSQL schema written by release 0.1", () => {
  let schema: ThrowawaySchema | undefined;
  afterAll(async () => schema?.drop());

  it("opens, migrates, and reads back identically", async () => {
    schema = await createThrowawaySchema({ create: false });
    const dump = readFileSync(join(fixtures, "annals-0.1.postgres.sql"), "utf8").replaceAll("fixture01", schema.schema);
    execFileSync("psql", ["-v", "ON_ERROR_STOP=1", "-q", "-d", schema.url], { input: dump, stdio: ["pipe", "ignore", "pipe"] });
    const store = await openEventStore({ database: schema.url, postgresSchema: schema.schema });
    try {
      await expectReadsBack(store, expected("annals-0.1.postgres.expected.json"));
    } finally {
      await store.close();
    }
    const tables = await withPostgresClient(schema.url, async (client) =>
      (await client.query("select table_name from information_schema.tables where table_schema = $1", [schema!.schema])).rows.map((row: { table_name: string }) => row.table_name),
    );
    expect(tables).not.toContain("projection_checkpoints");
    expect(tables).not.toContain("snapshots");
  });
});
