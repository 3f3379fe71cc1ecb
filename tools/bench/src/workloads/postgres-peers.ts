import { execFile } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import pg from "pg";
import { ReadAllRequestSchema, ReadStreamRequestSchema } from "@annals/protocol";
import { openEventStore, type EventStore, type PostgresOrdering } from "@annals/store";
import { withPostgresClient } from "@annals/store/testing-postgres";
import { emmettPostgresAvailability, openEmmettPostgresPeer } from "@annals/bench-emmett-postgres";
import { installMessageDb, messageDbVersion } from "@annals/bench-message-db";
import { eventsPerBatch } from "../config.js";
import { eventType, payload, proposedEvents } from "../fixtures.js";
import { grpcFrame } from "../grpc-load.js";
import type { Benchmark, Runner, Sample } from "../harness.js";
import { grpcBenchmark } from "../references/grpc-benchmark.js";
import { appendRequestBytes } from "./append-requests.js";
import type { PostgresScratch } from "./postgres-fixtures.js";

const run = promisify(execFile);

/**
 * The same workloads on Annals (store in process and server over gRPC, both
 * orderings), Emmett PostgreSQL, and Message DB (node `pg` in process, and `pgbench`):
 * single-event appends from many callers to random categories, 100-event appends
 * from 1 and 16 callers, a 20,000-event stream read whole, and the global order
 * (Annals `$all`, Message DB a category) of 20,000 events.
 */
export interface PeersConfig {
  callers: number;
  batchCallers: readonly number[];
  readEvents: number;
  /** Categories the single-event appends pick from at random (`cat<n>-<m>`). */
  categories: number;
  poolSize: number;
}

export const peersConfig: PeersConfig = { callers: 64, batchCallers: [1, 16], readEvents: 20_000, categories: 100, poolSize: 10 };

export type PeerWorkload = "single" | "batch1" | "batch16" | "read-stream" | "read-all";

export const peerWorkloads: ReadonlyArray<{ workload: PeerWorkload; title: string }> = [
  { workload: "single", title: `single-event appends, ${peersConfig.callers} concurrent callers, random categories` },
  { workload: "batch1", title: `${eventsPerBatch}-event appends, 1 caller, a new stream each` },
  { workload: "batch16", title: `${eventsPerBatch}-event appends, 16 callers, a new stream each` },
  { workload: "read-stream", title: `read a ${peersConfig.readEvents.toLocaleString("en-US")}-event stream whole` },
  { workload: "read-all", title: `read the global order: Annals $all, Message DB a category (${peersConfig.readEvents.toLocaleString("en-US")} events)` },
];

export type PeerSystem = "annals-store-lock" | "annals-store-xid" | "annals-grpc-lock" | "annals-grpc-xid" | "emmett" | "messagedb-node" | "messagedb-pgbench";

export const peerSystems: readonly PeerSystem[] = ["annals-store-lock", "annals-store-xid", "annals-grpc-lock", "annals-grpc-xid", "emmett", "messagedb-node", "messagedb-pgbench"];

export const peerId = (workload: PeerWorkload, system: PeerSystem) => `peers.${workload}.${system}`;

const readStreamName = "readstream-1";
const readCategory = "readcat";
const jsonData = JSON.stringify({ payload: Buffer.from(payload).toString("base64") });

function callersOf(workload: PeerWorkload): number {
  return workload === "single" ? peersConfig.callers : workload === "batch1" ? 1 : workload === "batch16" ? 16 : 1;
}

function randomCategoryStream(): string {
  return `cat${randomInt(peersConfig.categories)}-${randomInt(1_000)}`;
}

/** `callers` loops of `append` until the deadline; events/s. */
async function appendLoops(callers: number, events: number, deadline: number, append: (stream: string, events: number) => Promise<void>): Promise<Sample> {
  const latenciesMs: number[] = [];
  let failures = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        const stream = events === 1 ? randomCategoryStream() : `batch-${randomUUID()}`;
        const sent = performance.now();
        try {
          await append(stream, events);
          latenciesMs.push(performance.now() - sent);
        } catch {
          failures += 1;
        }
      }
    }),
  );
  return { ops: latenciesMs.length * events, seconds: (performance.now() - start) / 1000, latenciesMs, failures };
}

/** Reads repeated until the deadline (at least one); events/s. */
async function readLoops(deadline: number, expected: number, read: () => Promise<number>): Promise<Sample> {
  const latenciesMs: number[] = [];
  let ops = 0;
  const start = performance.now();
  do {
    const sent = performance.now();
    const count = await read();
    if (count !== expected) throw new Error(`read ${count} events, expected ${expected}`);
    latenciesMs.push(performance.now() - sent);
    ops += count;
  } while (performance.now() < deadline);
  return { ops, seconds: (performance.now() - start) / 1000, latenciesMs };
}

/** The read fixture: one stream of `readEvents`, and `readEvents` more over 200 streams of one category, interleaved. */
async function fillAnnals(store: EventStore): Promise<void> {
  for (let written = 0; written < peersConfig.readEvents; written += 1_000) await store.appendToStream(readStreamName, proposedEvents(1_000));
  const streams = 200;
  const perAppend = peersConfig.readEvents / streams / 10;
  for (let turn = 0; turn < 10; turn += 1) {
    await Promise.all(Array.from({ length: streams }, (_, stream) => store.appendToStream(`${readCategory}-${stream}`, proposedEvents(perAppend))));
  }
}

async function countStream(store: EventStore): Promise<number> {
  let count = 0;
  for await (const page of store.readStream(readStreamName)) count += page.length;
  return count;
}

async function countAll(store: EventStore): Promise<number> {
  let count = 0;
  for await (const page of store.readAll()) count += page.length;
  return count;
}

function annalsStore(scratch: PostgresScratch, workload: PeerWorkload, ordering: PostgresOrdering): () => Promise<Runner> {
  return async () => {
    const schema = await scratch.schema();
    const store = await openEventStore({ database: scratch.url, postgresSchema: schema.schema, postgresPoolSize: peersConfig.poolSize, postgresOrdering: ordering });
    const reads = workload === "read-stream" || workload === "read-all";
    if (reads) await fillAnnals(store);
    return {
      round: (_index, deadline) =>
        workload === "read-stream"
          ? readLoops(deadline, peersConfig.readEvents, () => countStream(store))
          : workload === "read-all"
            ? readLoops(deadline, 2 * peersConfig.readEvents, () => countAll(store))
            : appendLoops(callersOf(workload), workload === "single" ? 1 : eventsPerBatch, deadline, async (stream, events) => {
                await store.appendToStream(stream, proposedEvents(events));
              }),
      close: () => store.close(),
    };
  };
}

function annalsGrpc(scratch: PostgresScratch, workload: PeerWorkload, ordering: PostgresOrdering, system: PeerSystem, title: string): Benchmark {
  const id = peerId(workload, system);
  const group = groupOf(workload);
  const reads = workload === "read-stream" || workload === "read-all";
  const callers = callersOf(workload);
  const frames = (): Buffer[] => {
    if (workload === "read-stream") {
      const frame = grpcFrame(toBinary(ReadStreamRequestSchema, create(ReadStreamRequestSchema, { stream: readStreamName, from: { case: "start", value: {} } })));
      return Array.from({ length: 2_000 }, () => frame);
    }
    if (workload === "read-all") {
      const frame = grpcFrame(toBinary(ReadAllRequestSchema, create(ReadAllRequestSchema, { from: { case: "start", value: {} } })));
      return Array.from({ length: 2_000 }, () => frame);
    }
    if (workload === "single") return Array.from({ length: 40_000 }, () => grpcFrame(appendRequestBytes(randomCategoryStream(), 1)));
    return Array.from({ length: callers === 1 ? 1_500 : 4_000 }, () => grpcFrame(appendRequestBytes(`batch-${randomUUID()}`, eventsPerBatch)));
  };
  return {
    id,
    group,
    title,
    unit: "events/s",
    async prepare(): Promise<Runner> {
      const schema = await scratch.schema();
      if (reads) {
        const store = await openEventStore({ database: scratch.url, postgresSchema: schema.schema, postgresPoolSize: 4, postgresOrdering: ordering });
        try {
          await fillAnnals(store);
        } finally {
          await store.close();
        }
      }
      return grpcBenchmark({
        id,
        group,
        title,
        unit: "events/s",
        server: "annals",
        serverArgs: () => [scratch.schemaUrl(schema), "better-sqlite3", "fast-on", ordering],
        path: workload === "read-stream" ? "/annals.eventstore.v1.EventStore/ReadStream" : workload === "read-all" ? "/annals.eventstore.v1.EventStore/ReadAll" : "/annals.eventstore.v1.EventStore/Append",
        frames,
        opsPerCall: workload === "read-stream" ? peersConfig.readEvents : workload === "read-all" ? 2 * peersConfig.readEvents : workload === "single" ? 1 : eventsPerBatch,
        inFlight: callers,
        minCalls: reads ? 1 : 2 * callers,
        timeoutMs: 120_000,
      }).prepare();
    },
  };
}

/** A database of its own for a peer, created afresh. */
async function freshDatabase(url: string, name: string): Promise<string> {
  await withPostgresClient(url, async (client) => {
    await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
    await client.query(`create database ${client.escapeIdentifier(name)}`);
  });
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

function emmett(url: string, workload: PeerWorkload): () => Promise<Runner> {
  return async () => {
    const availability = await emmettPostgresAvailability();
    if (!availability.available) throw new Error(`Emmett PostgreSQL is not installed: ${availability.reason}`);
    const database = await freshDatabase(url, "annals_perfpg_emmett");
    const peer = await openEmmettPostgresPeer(database, { type: eventType, payload });
    if (workload === "read-stream") for (let written = 0; written < peersConfig.readEvents; written += 1_000) await peer.append(readStreamName, 1_000);
    if (workload === "read-all") throw new Error("Emmett's event store has no category or global read in its API (its consumers pull batches)");
    return {
      round: (_index, deadline) =>
        workload === "read-stream"
          ? readLoops(deadline, peersConfig.readEvents, () => peer.readStream(readStreamName))
          : appendLoops(callersOf(workload), workload === "single" ? 1 : eventsPerBatch, deadline, (stream, events) => peer.append(stream, events)),
      close: () => peer.close(),
    };
  };
}

/** Message DB installed afresh into `annals_messagedb`, with the read fixture written by plain inserts when the workload reads. */
async function messageDb(url: string, workload: PeerWorkload): Promise<{ database: string; firstCategoryPosition: number }> {
  const database = await freshDatabase(url, "annals_messagedb");
  installMessageDb(database);
  let firstCategoryPosition = 0;
  if (workload === "read-stream" || workload === "read-all") {
    await withPostgresClient(database, async (client) => {
      await client.query("set search_path = message_store, public");
      await client.query(
        "insert into messages (stream_name, position, type, data) select $1, g - 1, 'MoneyDeposited', $2::jsonb from generate_series(1, $3::int) g",
        [readStreamName, jsonData, peersConfig.readEvents],
      );
      const first = await client.query<{ next: string }>("select nextval('messages_global_position_seq') + 1 as next");
      firstCategoryPosition = Number(first.rows[0]!.next);
      await client.query(
        "insert into messages (stream_name, position, type, data) select $1 || '-' || (g % 200), g / 200, 'MoneyDeposited', $2::jsonb from generate_series(0, $3::int - 1) g order by g",
        [readCategory, jsonData, peersConfig.readEvents],
      );
      await client.query("analyze messages");
    });
  }
  return { database, firstCategoryPosition };
}

const writeMessage = "select message_store.write_message($1, $2, 'MoneyDeposited', $3::jsonb)";

function messageDbNode(url: string, workload: PeerWorkload): () => Promise<Runner> {
  return async () => {
    const { database, firstCategoryPosition } = await messageDb(url, workload);
    const pool = new pg.Pool({ connectionString: database, max: peersConfig.poolSize });
    const readPaged = async (sql: string, key: string, first: number, next: (row: Record<string, string>) => number) => {
      let count = 0;
      let from = first;
      for (;;) {
        const rows = (await pool.query<Record<string, string>>(sql, [key, from, 1_000])).rows;
        count += rows.length;
        if (rows.length < 1_000) return count;
        from = next(rows[rows.length - 1]!);
      }
    };
    return {
      round: (_index, deadline) => {
        if (workload === "read-stream") {
          return readLoops(deadline, peersConfig.readEvents, () =>
            readPaged("select * from message_store.get_stream_messages($1, $2, $3)", readStreamName, 0, (row) => Number(row["position"]) + 1),
          );
        }
        if (workload === "read-all") {
          return readLoops(deadline, peersConfig.readEvents, () =>
            readPaged("select * from message_store.get_category_messages($1, $2, $3)", readCategory, firstCategoryPosition, (row) => Number(row["global_position"]) + 1),
          );
        }
        return appendLoops(callersOf(workload), workload === "single" ? 1 : eventsPerBatch, deadline, async (stream, events) => {
          if (events === 1) {
            await pool.query(writeMessage, [randomUUID(), stream, jsonData]);
            return;
          }
          // Message DB writes a batch as write_message calls in one transaction.
          const client = await pool.connect();
          try {
            await client.query("begin");
            for (let index = 0; index < events; index += 1) await client.query(writeMessage, [randomUUID(), stream, jsonData]);
            await client.query("commit");
          } catch (error) {
            await client.query("rollback").catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
        });
      },
      close: () => pool.end(),
    };
  };
}

/** The pgbench script of a workload, and how many events one of its transactions carries. */
function pgbenchScript(workload: PeerWorkload, firstCategoryPosition: number): { script: string; eventsPerTransaction: number } {
  const write = (stream: string) => `select message_store.write_message(gen_random_uuid()::text, ${stream}, 'MoneyDeposited', '${jsonData}'::jsonb);`;
  if (workload === "single") {
    return { script: [`\\set c random(0, ${peersConfig.categories - 1})`, "\\set s random(0, 999)", write("'cat' || :c || '-' || :s")].join("\n"), eventsPerTransaction: 1 };
  }
  if (workload === "batch1" || workload === "batch16") {
    const lines = ["\\set s random(1, 1000000000)", "begin;"];
    for (let index = 0; index < eventsPerBatch; index += 1) lines.push(write("'batch-' || :s || '-' || :client_id"));
    lines.push("commit;");
    return { script: lines.join("\n"), eventsPerTransaction: eventsPerBatch };
  }
  const pages = peersConfig.readEvents / 1_000;
  const lines: string[] = [];
  for (let page = 0; page < pages; page += 1) {
    lines.push(
      workload === "read-stream"
        ? `select * from message_store.get_stream_messages('${readStreamName}', ${page * 1_000}, 1000);`
        : `select * from message_store.get_category_messages('${readCategory}', ${firstCategoryPosition + page * 1_000}, 1000);`,
    );
  }
  return { script: lines.join("\n"), eventsPerTransaction: peersConfig.readEvents };
}

function messageDbPgbench(url: string, workload: PeerWorkload, roundSeconds: number): () => Promise<Runner> {
  return async () => {
    const { database, firstCategoryPosition } = await messageDb(url, workload);
    const folder = mkdtempSync(join(tmpdir(), "annals-pgbench-"));
    const { script, eventsPerTransaction } = pgbenchScript(workload, firstCategoryPosition);
    const file = join(folder, `${workload}.sql`);
    writeFileSync(file, `${script}\n`);
    const clients = callersOf(workload);
    return {
      async round(index) {
        // pgbench counts whole seconds, its clients' connection set-up included (its tps leaves that
        // out): on a loaded machine 64 connections can take seconds, so it runs longer than a round.
        const seconds = roundSeconds + 3;
        const { stdout } = await run("pgbench", ["-n", "-c", String(clients), "-j", String(Math.min(clients, 2)), "-T", String(seconds), "-f", file, database], {
          maxBuffer: 16 * 1024 * 1024,
        });
        const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
        if (!tps && index < 0) return { ops: 0, seconds };
        if (!tps) throw new Error(`pgbench said: ${stdout.slice(-400)}`);
        const failed = /number of failed transactions: (\d+)/.exec(stdout);
        const latency = /latency average = ([\d.]+) ms/.exec(stdout);
        return {
          ops: Number(tps[1]) * seconds * eventsPerTransaction,
          seconds,
          failures: failed ? Number(failed[1]) : 0,
          ...(latency ? { latenciesMs: [Number(latency[1])] } : {}),
        };
      },
      async close() {
        rmSync(folder, { recursive: true, force: true });
      },
    };
  };
}

function groupOf(workload: PeerWorkload): string {
  return `Peers on PostgreSQL: ${peerWorkloads.find((entry) => entry.workload === workload)!.title}`;
}

const systemTitles: Record<PeerSystem, string> = {
  "annals-store-lock": "Annals store in process, lock ordering",
  "annals-store-xid": "Annals store in process, xid ordering",
  "annals-grpc-lock": "Annals server over gRPC, lock ordering",
  "annals-grpc-xid": "Annals server over gRPC, xid ordering",
  emmett: "Emmett PostgreSQL in process",
  "messagedb-node": `Message DB ${messageDbVersion()} in process (node pg)`,
  "messagedb-pgbench": `Message DB ${messageDbVersion()} driven by pgbench`,
};

/** Every system on `workload`, to be run interleaved round by round. */
export function peerBenchmarks(scratch: PostgresScratch, workload: PeerWorkload, roundMs: number): Benchmark[] {
  const group = groupOf(workload);
  const inProcess = (system: PeerSystem, prepare: () => Promise<Runner>): Benchmark => ({
    id: peerId(workload, system),
    group,
    title: systemTitles[system],
    unit: "events/s",
    prepare,
  });
  return [
    inProcess("annals-store-lock", annalsStore(scratch, workload, "lock")),
    inProcess("annals-store-xid", annalsStore(scratch, workload, "xid")),
    annalsGrpc(scratch, workload, "lock", "annals-grpc-lock", systemTitles["annals-grpc-lock"]),
    annalsGrpc(scratch, workload, "xid", "annals-grpc-xid", systemTitles["annals-grpc-xid"]),
    inProcess("emmett", emmett(scratch.url, workload)),
    inProcess("messagedb-node", messageDbNode(scratch.url, workload)),
    inProcess("messagedb-pgbench", messageDbPgbench(scratch.url, workload, Math.max(1, Math.round(roundMs / 1000)))),
  ];
}
