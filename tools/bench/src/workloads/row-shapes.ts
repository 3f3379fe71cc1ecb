/**
 * Would a narrower SQLite schema pay? The store's append transaction (the lookups of
 * `sql/append-batch-sqlite.ts`, 100 inserts, the head upsert) and its reads, run
 * with better-sqlite3's prepared statements against the store's schema and against
 * narrower variants of it, on files of the same size, in alternated rounds.
 *
 *   npm run bench:rows                 # 1 warm-up + 5 rounds of 2.5 s per shape (about 2 minutes)
 *   npm run bench:rows -- --quick      # short rounds, fewer preloaded events: figures indicative
 *   npm run bench:rows -- --per-append 10   # 10-event transactions (a group commit of single-event appends)
 *
 * Shapes (all but the first with time-ordered ids, as the SDKs and the store make them):
 * - `store, random ids`: the schema the store's migrations create (this file creates
 *   it through them), events given random (version 4) UUIDs, as a client that makes
 *   its own ids may: each insert into the unique id index lands on a random page.
 * - `store`: the same schema, time-ordered (version 7) UUIDs: the index grows at its end.
 * - `checkpoint-10k`: the same with `wal_autocheckpoint = 10000` pages (default 1000).
 * - `blob-ids`: event ids as 16-byte blobs.
 * - `stream-ids`: streams as integer ids (the name stored once, in `streams`).
 * - `narrow`: both.
 * - `narrow-clustered`: both, `WITHOUT ROWID`, clustered by (stream id, revision),
 *   with a unique index on position for `$all`.
 *
 * Every file is first filled with `--preload` events (default 300,000; in streams of
 * 100, as in the rounds), so that indexes have the depth of a used database. Each
 * round appends 100-event transactions (`--per-append`) to fresh streams, with `synchronous = FULL`
 * and the store's other pragmas. Then, per shape: reads of whole 100-event streams
 * (by name) and of `$all` in pages of 1,000, over the preloaded events only, so that
 * every file is read over as many (3 alternated passes, median; blob ids
 * converted to text as a reader would), and the file's bytes per event.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { loadavg } from "node:os";
import { openEventStore, sqlitePragmas } from "@annals/store";
import Database from "better-sqlite3";
import { v7 } from "uuid";
import { createScratch, eventType, payload } from "../fixtures.js";
import { median } from "../harness.js";

const quick = process.argv.includes("--quick");
const argument = (name: string) => {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
};
const preload = Number(argument("--preload") ?? (quick ? 50_000 : 300_000));
const roundMs = quick ? 500 : 2_500;
const rounds = quick ? 2 : 5;
const eventsPerAppend = Number(argument("--per-append") ?? 100);
if (!Number.isInteger(eventsPerAppend) || eventsPerAppend < 1) throw new Error("--per-append: give a positive integer");
const log = (line: string) => process.stderr.write(`${line}\n`);

type Db = Database.Database;

/** What the store's append does, per shape: look up, insert 100 rows, move the head. */
interface Shape {
  name: string;
  /** Creates the tables on an empty file (the store's shape migrates through the store). */
  create(file: string): Promise<Db>;
  /** Prepares the statements; answers one append of `count` events to a fresh stream. */
  prepare(db: Db): { append(stream: string, count: number): void; readStream(stream: string): number; readAll(after: number, limit: number): number };
}

/** A connection with the store's pragmas (`synchronous = FULL`), and `extra` after them. */
function open(file: string, extra: readonly string[] = []): Db {
  const db = new Database(file);
  for (const pragma of [...sqlitePragmas("FULL", 10_000), ...extra]) db.pragma(pragma);
  return db;
}

/** The last position written to each file (positions are per file). */
const lastPositions = new Map<Db, number>();

function nextPositions(db: Db, count: number): number {
  const first = (lastPositions.get(db) ?? 0) + 1;
  lastPositions.set(db, first + count - 1);
  return first;
}

const uuidBlob = (id: string) => Buffer.from(id.replaceAll("-", ""), "hex");
const uuidText = (blob: Buffer) => {
  const hex = blob.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** The store's own schema (created by its migrations) and the statements of `append-batch-sqlite.ts`. */
function storeShape(name: string, newId: () => string, extra: readonly string[] = []): Shape {
  return {
    name,
    async create(file) {
      const store = await openEventStore({ database: file, sqliteSynchronous: "FULL" });
      await store.close();
      return open(file, extra);
    },
    prepare: (db) => prepareShape(db, { newId, blobIds: false, streamIds: false }),
  };
}

interface NarrowOptions {
  newId: () => string;
  blobIds: boolean;
  streamIds: boolean;
  clustered?: boolean;
}

/** How ids and streams are stored: text in every row (the store's schema), or narrower. */
/** A variant of the events table: ids as blobs, streams as integer ids, or both. */
function narrowShape(name: string, options: NarrowOptions): Shape {
  const idType = options.blobIds ? "blob" : "varchar(36)";
  const streamColumn = options.streamIds ? "stream_id integer not null" : "stream varchar(256) not null";
  const streamKey = options.streamIds ? "stream_id" : "stream";
  return {
    name,
    async create(file) {
      const db = open(file);
      db.exec(
        options.clustered === true
          ? `create table events (position integer not null, ${streamColumn}, revision bigint not null, id ${idType} not null, type varchar(256) not null,
               data blob not null, content_type varchar(64), metadata text, recorded_at bigint not null, primary key (${streamKey}, revision)) without rowid`
          : `create table events (position integer primary key, ${streamColumn}, revision bigint not null, id ${idType} not null, type varchar(256) not null,
               data blob not null, content_type varchar(64), metadata text, recorded_at bigint not null)`,
      );
      db.exec("create unique index events_id_unique on events (id)");
      if (options.clustered === true) db.exec("create unique index events_position_unique on events (position)");
      else db.exec(`create unique index events_stream_revision_unique on events (${streamKey}, revision)`);
      db.exec(
        options.streamIds
          ? "create table streams (id integer primary key, stream varchar(256) not null unique, last_revision bigint not null, last_position bigint not null)"
          : "create table streams (stream varchar(256) primary key, last_revision bigint not null, last_position bigint not null)",
      );
      db.exec("create table stream_metadata (stream varchar(256) primary key, deleted_through bigint, hide_before bigint not null default 0, tombstoned bigint not null default 0)");
      return db;
    },
    prepare: (db) => prepareShape(db, options),
  };
}

/** The append and reads of a shape, as prepared statements; the store's own when neither option is set. */
function prepareShape(db: Db, options: NarrowOptions): ReturnType<Shape["prepare"]> {
  const streamKey = options.streamIds ? "stream_id" : "stream";
  const heads = db
    .prepare(`select ${options.streamIds ? "id, " : ""}stream, last_revision, last_position from streams where stream in (select value from json_each(?))`)
    .raw(true);
  const stored = db
    .prepare(
      options.streamIds
        ? `select e.id, s.stream, e.revision, e.position, e.recorded_at from events e join streams s on s.id = e.stream_id where e.id in (select ${options.blobIds ? "unhex(value)" : "value"} from json_each(?))`
        : `select id, stream, revision, position, recorded_at from events where id in (select ${options.blobIds ? "unhex(value)" : "value"} from json_each(?))`,
    )
    .raw(true);
  const lifecycle = db.prepare("select stream, deleted_through, hide_before, tombstoned from stream_metadata where stream in (select value from json_each(?))").raw(true);
  const last = db.prepare("select position, recorded_at from events order by position desc limit 1").raw(true);
  const insert = db.prepare(`insert into events (position, ${streamKey}, revision, id, type, data, content_type, metadata, recorded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const newStream = options.streamIds ? db.prepare("insert into streams (stream, last_revision, last_position) values (?, -1, 0) returning id").raw(true) : undefined;
  const moveHead = options.streamIds
    ? db.prepare("update streams set last_revision = ?, last_position = ? where id = ?")
    : db.prepare(
        "insert into streams (stream, last_revision, last_position) values (?, ?, ?) on conflict (stream) do update set last_revision = excluded.last_revision, last_position = excluded.last_position",
      );
  const streamRows = options.streamIds
    ? db.prepare("select e.*, s.stream from events e join streams s on s.id = e.stream_id where s.stream = ? and e.revision >= 0 order by e.revision limit 1000").raw(true)
    : db.prepare("select * from events where stream = ? and revision >= 0 order by revision limit 1000").raw(true);
  const allRows = options.streamIds
    ? db.prepare("select e.*, s.stream from events e join streams s on s.id = e.stream_id where e.position > ? order by e.position limit ?").raw(true)
    : db.prepare("select * from events where position > ? order by position limit ?").raw(true);
  const append = db.transaction((stream: string, count: number) => {
    const ids = Array.from({ length: count }, options.newId);
    const names = JSON.stringify([stream]);
    const head = heads.all(names) as unknown[][];
    lifecycle.all(names);
    stored.all(JSON.stringify(options.blobIds ? ids.map((id) => id.replaceAll("-", "")) : ids));
    last.get();
    const first = nextPositions(db, count);
    const now = Date.now();
    const key = options.streamIds ? (head.length > 0 ? head[0]![0] : (newStream!.get(stream) as unknown[])[0]) : stream;
    for (let index = 0; index < count; index += 1) {
      insert.run(first + index, key, index, options.blobIds ? uuidBlob(ids[index]!) : ids[index], eventType, payload, null, null, now);
    }
    if (options.streamIds) moveHead.run(count - 1, first + count - 1, key);
    else moveHead.run(stream, count - 1, first + count - 1);
  });
  // A reader hands out ids as text: a blob id is converted per row (column 3).
  const count = (rows: unknown[]) => {
    if (options.blobIds) for (const row of rows as unknown[][]) row[3] = uuidText(row[3] as Buffer);
    return rows.length;
  };
  return { append, readStream: (stream) => count(streamRows.all(stream)), readAll: (after, limit) => count(allRows.all(after, limit)) };
}

const randomIds = randomUUID;
const timeOrderedIds = () => v7();
const shapes: Shape[] = [
  storeShape("store, random ids", randomIds),
  storeShape("store", timeOrderedIds),
  storeShape("checkpoint-10k", timeOrderedIds, ["wal_autocheckpoint = 10000"]),
  narrowShape("blob-ids", { newId: timeOrderedIds, blobIds: true, streamIds: false }),
  narrowShape("stream-ids", { newId: timeOrderedIds, blobIds: false, streamIds: true }),
  narrowShape("narrow", { newId: timeOrderedIds, blobIds: true, streamIds: true }),
  narrowShape("narrow-clustered", { newId: timeOrderedIds, blobIds: true, streamIds: true, clustered: true }),
];

interface Prepared {
  shape: Shape;
  db: Db;
  file: string;
  ops: ReturnType<Shape["prepare"]>;
  streams: number;
  rates: number[];
}

const scratch = createScratch();
const salt = randomBytes(4).toString("hex");
try {
  const prepared: Prepared[] = [];
  for (const shape of shapes) {
    const file = scratch.file(shape.name);
    const db = await shape.create(file);
    const ops = shape.prepare(db);
    const entry: Prepared = { shape, db, file, ops, streams: 0, rates: [] };
    // Preloading: the same appends with synchronous off, so that filling takes seconds.
    db.pragma("synchronous = OFF");
    for (let events = 0; events < preload; events += eventsPerAppend) ops.append(`account-${salt}-${entry.streams++}`, eventsPerAppend);
    db.pragma("synchronous = FULL");
    db.pragma("wal_checkpoint(TRUNCATE)");
    prepared.push(entry);
    log(`${shape.name}: preloaded ${preload.toLocaleString("en-US")} events`);
  }
  const rotate = <T>(items: readonly T[], by: number) => items.map((_, index) => items[(index + by) % items.length]!);
  for (let round = 0; round <= rounds; round += 1) {
    for (const entry of rotate(prepared, round)) {
      const start = performance.now();
      let events = 0;
      while (performance.now() - start < roundMs) {
        entry.ops.append(`account-${salt}-${entry.streams++}`, eventsPerAppend);
        events += eventsPerAppend;
      }
      const rate = events / ((performance.now() - start) / 1000);
      if (round > 0) entry.rates.push(rate);
      log(`round ${round}${round === 0 ? " (warm-up)" : ""} ${entry.shape.name}: ${Math.round(rate).toLocaleString("en-US")} events/s, load ${loadavg()[0]!.toFixed(2)}`);
    }
  }
  const readOnce = (entry: Prepared) => {
    const streamReads = 2_000;
    let start = performance.now();
    let rows = 0;
    // The preloaded events only: the same count in every file, however fast its rounds appended.
    const preloaded = preload / eventsPerAppend;
    for (let index = 0; index < streamReads; index += 1) rows += entry.ops.readStream(`account-${salt}-${Math.floor(Math.random() * preloaded)}`);
    const streamRate = rows / ((performance.now() - start) / 1000);
    start = performance.now();
    rows = 0;
    for (let after = 0; after < preload; ) {
      const read = entry.ops.readAll(after, Math.min(1_000, preload - after));
      if (read === 0) break;
      rows += read;
      after += read;
    }
    return { streamRate, allRate: rows / ((performance.now() - start) / 1000) };
  };
  const readPasses = 3;
  const passes = new Map<Prepared, Array<ReturnType<typeof readOnce>>>(prepared.map((entry) => [entry, []]));
  for (let pass = 0; pass < readPasses; pass += 1) for (const entry of rotate(prepared, pass)) passes.get(entry)!.push(readOnce(entry));
  const reads = prepared.map((entry) => {
    entry.db.pragma("wal_checkpoint(TRUNCATE)");
    const measured = passes.get(entry)!;
    return {
      streamRate: median(measured.map((read) => read.streamRate)),
      allRate: median(measured.map((read) => read.allRate)),
      bytesPerEvent: statSync(entry.file).size / lastPositions.get(entry.db)!,
    };
  });
  const reference = median(prepared[1]!.rates);
  const referenceReads = reads[1]!;
  console.log(`\nSQLite row shapes: ${eventsPerAppend}-event appends (synchronous FULL), ${preload.toLocaleString("en-US")} events preloaded, ${rounds} rounds of ${roundMs} ms${quick ? " (quick: indicative)" : ""}, load ${loadavg().map((value) => value.toFixed(2)).join(" ")}\n`);
  console.log("| shape | appends, events/s (min–max) | vs store | stream reads, events/s | vs store | $all reads, events/s | vs store | bytes/event |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  prepared.forEach((entry, index) => {
    const rate = median(entry.rates);
    const read = reads[index]!;
    const fmt = (value: number) => Math.round(value).toLocaleString("en-US");
    console.log(
      `| ${entry.shape.name} | ${fmt(rate)} (${fmt(Math.min(...entry.rates))}–${fmt(Math.max(...entry.rates))}) | ${(rate / reference).toFixed(2)}× | ${fmt(read.streamRate)} | ${(read.streamRate / referenceReads.streamRate).toFixed(2)}× | ${fmt(read.allRate)} | ${(read.allRate / referenceReads.allRate).toFixed(2)}× | ${Math.round(read.bytesPerEvent)} |`,
    );
  });
  for (const entry of prepared) entry.db.close();
} finally {
  scratch.remove();
}
