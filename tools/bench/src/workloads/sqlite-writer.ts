/**
 * SQLite appends over gRPC with the writer thread on and off (`sqliteWriter`), each
 * figure from two independent load generators, beside the driver's own ceiling.
 *
 *   npm run bench:sqlite-writer                # steady rounds of 2.5 s (about 3 minutes)
 *   npm run bench:sqlite-writer -- --quick     # short rounds: a smoke run, figures indicative
 *   ... -- --rounds 5                          # measured rounds per mode (default 3, --quick 2)
 *   ... -- --profile                           # also writes the servers' CPU profiles (--cpu-prof)
 *
 * Per workload (single-event appends, 64 in flight; 100-event appends, 16 in flight)
 * one server per writer mode runs on its own scratch file, in its own process. Each
 * round: the harness (`grpc-load.ts`, raw HTTP/2) and h2load (nghttp2) each drive
 * a server for `roundMs`, taking turns at going first, with the same request bytes (event
 * ids left empty, so the server gives each call fresh ids and a re-posted body never
 * hits idempotency). A round's window runs until the server's CPU goes idle again,
 * so that work the server defers (GC, WAL checkpoints) counts: rate = calls / window,
 * CPU per call = the server's CPU over the window / calls. One warm-up round per
 * server is discarded. Modes alternate round by round (rotated), so their ratio is
 * measured seconds apart. The ceiling: better-sqlite3's prepared insert of 100 rows
 * per transaction into the store's own schema (same pragmas), one row per statement,
 * in rounds of the same length taken between the 100-event rounds, so that each
 * ratio is measured minutes, not a run, apart. Beside it, for information, the same
 * insert binding 32 rows per statement, as the store does. Every server's file must
 * then hold the events answered OK. Last, in process (no gRPC): 64 callers appending
 * single events, and how busy the event loop is.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { AppendRequestSchema } from "@annals/protocol";
import { openEventStore, sqlitePragmas, sqliteRowsPerInsert, type EventStore } from "@annals/store";
import Database from "better-sqlite3";
import { createRowSource, createScratch, eventType, payload, resultsDir, type EventRow } from "../fixtures.js";
import { connectGrpc, grpcFrame, type GrpcConnection } from "../grpc-load.js";
import { median, percentile } from "../harness.js";
import { openRawDatabase } from "../databases.js";
import { positiveIntegerOption } from "../options.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { appendPath } from "./server-appends.js";

const run = promisify(execFile);
const quick = process.argv.includes("--quick");
const profile = process.argv.includes("--profile");
const roundMs = quick ? 500 : 2_500;
const warmupMs = quick ? 300 : 1_500;
const rounds = positiveIntegerOption("rounds", quick ? 2 : 3);
/** Disagreement between the two load generators that the run reports. */
const maxDisagreement = 0.15;

type Mode = "main" | "worker";
const modes: readonly Mode[] = ["main", "worker"];

interface Workload {
  name: string;
  events: number;
  inFlight: number;
}
const workloads: readonly Workload[] = [
  { name: "single-event Append, 64 in flight", events: 1, inFlight: 64 },
  { name: "100-event Append, 16 in flight", events: 100, inFlight: 16 },
];

interface Round {
  calls: number;
  seconds: number;
  cpuMsPerCall: number;
  p99Ms?: number;
  /** The machine's CPU busy during the round (all cores), percent. */
  machineBusy: number;
  load: string;
}

/** The machine's CPU counters (all cores): busy and total jiffies, from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - fields[3]! - (fields[4] ?? 0), total };
}

/** The share of the machine's CPU (every core, every process) busy since `from`, percent. */
function busySince(from: { busy: number; total: number }): number {
  const now = machineCpu();
  return (100 * (now.busy - from.busy)) / Math.max(1, now.total - from.total);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const load = () => loadavg().map((value) => value.toFixed(2)).join(" ");

/** Waits until the server's CPU goes idle (under 10 % of a core for 50 ms); answers when it went idle and its CPU then. */
async function untilIdle(server: ServerProcess): Promise<{ at: number; cpu: number }> {
  const stepMs = 50;
  let last = { at: performance.now(), cpu: await server.cpuSeconds() };
  for (let polls = 0; polls < 200; polls += 1) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    const now = { at: performance.now(), cpu: await server.cpuSeconds() };
    if ((now.cpu - last.cpu) * 1000 < 0.1 * (now.at - last.at)) return last;
    last = now;
  }
  return last;
}

async function harnessRound(server: ServerProcess, connection: GrpcConnection, frame: Buffer, inFlight: number, ms: number): Promise<Round & { failures: number }> {
  const frames = new Array<Buffer>(Math.ceil((ms / 1000) * 40_000)).fill(frame);
  const cpu = await server.cpuSeconds();
  const machine = machineCpu();
  const start = performance.now();
  const result = await connection.drive(appendPath, frames, inFlight, start + ms, 120_000);
  const machineBusy = busySince(machine);
  const idle = await untilIdle(server);
  if (result.failures > 0) throw new Error(`harness: ${result.failures} calls failed, first: ${result.firstFailure}`);
  const seconds = Math.max(result.seconds, (idle.at - start) / 1000);
  return { calls: result.calls, seconds, cpuMsPerCall: ((idle.cpu - cpu) * 1000) / result.calls, p99Ms: percentile(result.latenciesMs, 99), machineBusy, load: load(), failures: 0 };
}

async function h2loadRound(server: ServerProcess, body: string, inFlight: number, ms: number): Promise<Round> {
  const cpu = await server.cpuSeconds();
  const machine = machineCpu();
  const { stdout } = await run("h2load", [
    "-c", "1", "-m", String(inFlight), "-D", `${ms}ms`,
    "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers",
    `http://127.0.0.1:${server.port}${appendPath}`,
  ]);
  const end = performance.now();
  const machineBusy = busySince(machine);
  const idle = await untilIdle(server);
  const finished = /finished in ([\d.]+)(ms|s)/.exec(stdout);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
  if (!finished || !requests) throw new Error(`h2load output not understood:\n${stdout}`);
  const succeeded = Number(requests[4]);
  if (Number(requests[5]) + Number(requests[6]) > 0) throw new Error(`h2load: ${requests[5]} failed, ${requests[6]} errored`);
  const loadSeconds = Number(finished[1]) / (finished[2] === "ms" ? 1000 : 1);
  // h2load stops at its duration; the server's tail until idle counts as for the harness.
  return { calls: succeeded, seconds: loadSeconds + Math.max(0, idle.at - end) / 1000, cpuMsPerCall: ((idle.cpu - cpu) * 1000) / succeeded, machineBusy, load: load() };
}

function requestBody(stream: string, events: number): Buffer {
  return grpcFrame(toBinary(AppendRequestSchema, create(AppendRequestSchema, { stream, events: Array.from({ length: events }, () => ({ type: eventType, data: payload })) })));
}

type CeilingKind = "row" | "rows32";
const ceilingKinds: readonly CeilingKind[] = ["row", "rows32"];
const ceilingColumns = "(position, stream, revision, id, type, data, content_type, metadata, recorded_at)";

/** The driver's own insert of 100 rows per transaction: `row` one row per statement, `rows32` 32 rows per statement. */
function preparedInsert(db: Database.Database, kind: CeilingKind): (rows: EventRow[]) => void {
  const statement = (count: number) => db.prepare(`insert into events ${ceilingColumns} values ${Array.from({ length: count }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`);
  if (kind === "row") {
    const one = statement(1);
    return db.transaction((rows: EventRow[]) => {
      for (const row of rows) one.run(row.position, row.stream, row.revision, row.id, row.type, row.data, row.content_type, row.metadata, row.recorded_at);
    });
  }
  const many = new Map<number, Database.Statement>();
  return db.transaction((rows: EventRow[]) => {
    for (let start = 0; start < rows.length; start += sqliteRowsPerInsert) {
      const chunk = rows.slice(start, start + sqliteRowsPerInsert);
      if (!many.has(chunk.length)) many.set(chunk.length, statement(chunk.length));
      many.get(chunk.length)!.run(chunk.flatMap((row) => [row.position, row.stream, row.revision, row.id, row.type, row.data, row.content_type, row.metadata, row.recorded_at]));
    }
  });
}

interface Ceiling {
  db: Database.Database;
  source: ReturnType<typeof createRowSource>;
  /** The next stream's number: each 100-row transaction writes a stream of its own. */
  nextStream: number;
  inserts: Record<CeilingKind, (rows: EventRow[]) => void>;
  rounds: Record<CeilingKind, Array<{ rows: number; seconds: number }>>;
}

async function openCeiling(file: string): Promise<Ceiling> {
  await (await openRawDatabase(file, "better-sqlite3")).close();
  const db = new Database(file);
  for (const pragma of sqlitePragmas("FULL", 10_000)) db.pragma(pragma);
  const ceiling: Ceiling = { db, source: createRowSource(), nextStream: 0, inserts: { row: preparedInsert(db, "row"), rows32: preparedInsert(db, "rows32") }, rounds: { row: [], rows32: [] } };
  for (const kind of ceilingKinds) ceilingRound(ceiling, kind, warmupMs);
  return ceiling;
}

function ceilingRound(ceiling: Ceiling, kind: CeilingKind, ms: number): { rows: number; seconds: number } {
  // Rows made before the clock starts: enough for the round at 1 M rows/s.
  const batches = Array.from({ length: Math.ceil((ms / 1000) * 10_000) }, () => ceiling.source.rows(`raw-${ceiling.nextStream++}`, 100));
  const insert = ceiling.inserts[kind];
  const start = performance.now();
  let rows = 0;
  for (const batch of batches) {
    if (performance.now() - start > ms) break;
    insert(batch);
    rows += batch.length;
  }
  return { rows, seconds: (performance.now() - start) / 1000 };
}

/** 64 callers, each appending single events to its own stream for `ms`; the event loop's utilization meanwhile. */
async function eventLoopRound(store: EventStore, ms: number): Promise<{ rate: number; busy: number; load: string }> {
  const before = performance.eventLoopUtilization();
  const start = performance.now();
  let appends = 0;
  await Promise.all(
    Array.from({ length: 64 }, async (_, caller) => {
      while (performance.now() - start < ms) {
        await store.appendToStream(`caller-${caller}`, [{ type: eventType, data: payload }]);
        appends += 1;
      }
    }),
  );
  const busy = performance.eventLoopUtilization(before).utilization * 100;
  return { rate: appends / ((performance.now() - start) / 1000), busy, load: load() };
}

const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const scratch = createScratch();
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  const profileDir = join(resultsDir, "profiles");
  if (profile) mkdirSync(profileDir, { recursive: true });
  try {
    out(`# SQLite writer thread on/off over gRPC (${quick ? "--quick: rounds of 0.5 s, figures indicative" : `rounds of ${roundMs / 1000} s`}, ${rounds} rounds after 1 warm-up)`);
    out(`load average at start: ${load()}`);
    const summary: Record<string, Record<Mode, { harness: number; h2load: number }>> = {};
    const ceiling = await openCeiling(scratch.file("ceiling"));
    for (const workload of workloads) {
      const body = requestBody("bench", workload.events);
      const bodyFile = scratch.file(`body-${workload.events}`).replace(/\.db$/, ".bin");
      writeFileSync(bodyFile, body);
      const servers = new Map<Mode, { server: ServerProcess; connection: GrpcConnection; file: string; answered: number }>();
      for (const mode of modes) {
        const file = scratch.file(`server-${workload.events}-${mode}`);
        const server = await startServerProcess("annals", [file, "better-sqlite3", `writer-${mode}`], profile ? ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, `server-${workload.events}-${mode}`)}`] : []);
        servers.set(mode, { server, connection: await connectGrpc(server.port), file, answered: 0 });
      }
      const results = new Map<Mode, { harness: Round[]; h2load: Round[] }>(modes.map((mode) => [mode, { harness: [], h2load: [] }]));
      for (const mode of modes) {
        const entry = servers.get(mode)!;
        const warm = await harnessRound(entry.server, entry.connection, body, workload.inFlight, warmupMs);
        entry.answered += warm.calls;
      }
      for (let round = 0; round < rounds; round += 1) {
        const order = round % 2 === 0 ? modes : [...modes].reverse();
        for (const mode of order) {
          const entry = servers.get(mode)!;
          // The generators take turns going first, so that neither always meets the server's state after the other.
          const h2First = round % 2 === 1 ? await h2loadRound(entry.server, bodyFile, workload.inFlight, roundMs) : undefined;
          const harness = await harnessRound(entry.server, entry.connection, body, workload.inFlight, roundMs);
          const h2 = h2First ?? (await h2loadRound(entry.server, bodyFile, workload.inFlight, roundMs));
          entry.answered += harness.calls + h2.calls;
          results.get(mode)!.harness.push(harness);
          results.get(mode)!.h2load.push(h2);
          log(`${workload.name}, writer ${mode}, round ${round + 1}: harness ${fmt(harness.calls / harness.seconds)} calls/s, h2load ${fmt(h2.calls / h2.seconds)} calls/s (load ${harness.load})`);
        }
        if (workload.events === 100) {
          for (const kind of ceilingKinds) {
            const taken = ceilingRound(ceiling, kind, roundMs);
            ceiling.rounds[kind].push(taken);
            log(`ceiling ${kind}, round ${round + 1}: ${fmt(taken.rows / taken.seconds)} rows/s (load ${load()})`);
          }
        }
      }
      for (const [mode, entry] of servers) {
        await entry.connection.close();
        await entry.server.stop();
        const db = new Database(entry.file, { readonly: true });
        const stored = (db.prepare("select count(*) as n from events").get() as { n: number }).n;
        db.close();
        // h2load does not count the calls still in flight when its time is up; the server commits them.
        const answered = entry.answered * workload.events;
        const unanswered = rounds * workload.inFlight * workload.events;
        if (stored < answered || stored > answered + unanswered) throw new Error(`writer ${mode}: ${stored} events stored, ${answered} answered OK (and at most ${unanswered} in flight at h2load's end)`);
      }
      out("");
      out(`## ${workload.name} (events per call: ${workload.events})`);
      out("| writer | harness calls/s (min–max) | h2load calls/s (min–max) | events/s (harness) | p99 ms (harness) | server CPU ms/call (harness, h2load) | machine CPU busy % (harness, h2load) | load average (last round) |");
      out("| --- | --- | --- | --- | --- | --- | --- | --- |");
      summary[workload.name] = {} as Record<Mode, { harness: number; h2load: number }>;
      for (const mode of modes) {
        const { harness, h2load } = results.get(mode)!;
        const rates = (list: Round[]) => list.map((entry) => entry.calls / entry.seconds);
        const range = (list: Round[]) => `${fmt(median(rates(list)))} (${fmt(Math.min(...rates(list)))}–${fmt(Math.max(...rates(list)))})`;
        const harnessRate = median(rates(harness));
        const h2Rate = median(rates(h2load));
        summary[workload.name]![mode] = { harness: harnessRate, h2load: h2Rate };
        out(`| ${mode} | ${range(harness)} | ${range(h2load)} | ${fmt(harnessRate * workload.events)} | ${fmt(median(harness.map((entry) => entry.p99Ms!)), 1)} | ${fmt(median(harness.map((entry) => entry.cpuMsPerCall)), 3)}, ${fmt(median(h2load.map((entry) => entry.cpuMsPerCall)), 3)} | ${fmt(median(harness.map((entry) => entry.machineBusy)))}, ${fmt(median(h2load.map((entry) => entry.machineBusy)))} | ${harness[harness.length - 1]!.load} |`);
        const disagreement = Math.abs(harnessRate - h2Rate) / Math.max(harnessRate, h2Rate);
        if (disagreement > maxDisagreement) out(`> writer ${mode}: the harness and h2load disagree by ${fmt(disagreement * 100)} % (over ${maxDisagreement * 100} %): distrust this row`);
      }
      const ratio = (generator: "harness" | "h2load") => summary[workload.name]!.worker[generator] / summary[workload.name]!.main[generator];
      out(`worker / main: ${fmt(ratio("harness"), 2)}× (harness), ${fmt(ratio("h2load"), 2)}× (h2load)`);
    }

    // In process, no gRPC: how much of the event loop the writes take in each mode.
    out("");
    out(`## In process: 64 callers appending single events (openEventStore), event loop busy`);
    out("| writer | appends/s (min–max) | event loop busy % | load average (last round) |");
    out("| --- | --- | --- | --- |");
    const inProcess = new Map<Mode, Array<{ rate: number; busy: number; load: string }>>(modes.map((mode) => [mode, []]));
    for (const mode of modes) {
      const store = await openEventStore({ database: scratch.file(`in-process-${mode}`), sqliteSynchronous: "FULL", sqliteWriter: mode });
      await eventLoopRound(store, warmupMs);
      for (let round = 0; round < rounds; round += 1) inProcess.get(mode)!.push(await eventLoopRound(store, roundMs));
      await store.close();
    }
    for (const [mode, list] of inProcess) {
      const rates = list.map((entry) => entry.rate);
      out(`| ${mode} | ${fmt(median(rates))} (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}) | ${fmt(median(list.map((entry) => entry.busy)))} | ${list[list.length - 1]!.load} |`);
    }

    // The ceiling for 100-event appends: the driver's prepared insert, no store, no gRPC.
    ceiling.db.close();
    const ceilingRates = (kind: CeilingKind) => ceiling.rounds[kind].map((entry) => entry.rows / entry.seconds);
    const ceilingRate = (kind: CeilingKind) => median(ceilingRates(kind));
    const ceilingRange = (kind: CeilingKind) => `${fmt(ceilingRate(kind))} rows/s (${fmt(Math.min(...ceilingRates(kind)))}–${fmt(Math.max(...ceilingRates(kind)))})`;
    out("");
    out(`## Ceiling: better-sqlite3 prepared insert, 100 rows per transaction, store schema, WAL, synchronous FULL (rounds between the 100-event rounds)`);
    out(`one row per statement (the target's reference): ${ceilingRange("row")}`);
    out(`32 rows per statement (as the store binds them; for information): ${ceilingRange("rows32")}`);
    const batch = summary[workloads[1]!.name]!;
    for (const mode of modes) {
      out(`100-event appends, writer ${mode}: ${fmt((100 * batch[mode].harness * 100) / ceilingRate("row"))} % of the ceiling (harness), ${fmt((100 * batch[mode].h2load * 100) / ceilingRate("row"))} % (h2load)`);
    }
    out(`load average at end: ${load()}`);
    if (profile) out(`server CPU profiles: ${profileDir}`);
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, "sqlite-writer.md"), `${lines.join("\n")}\n`);
  } finally {
    scratch.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
