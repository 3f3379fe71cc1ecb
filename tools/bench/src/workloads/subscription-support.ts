import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { openStore } from "../databases.js";
import { createRowSource } from "../fixtures.js";
import type { ServerProcess } from "../server-process.js";

/** What the replay and live-latency workloads share: their database, and watching the server process. */

/** The resident set size of a process, MiB (Linux `/proc`). */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Samples a process's RSS every `intervalMs` until stopped; answers the peak, MiB. */
export function sampleRss(pid: number, intervalMs = 50): { stop(): number } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMiB(pid));
    },
  };
}

/**
 * Waits until the server has used less than 2 % of a core for half a second (its
 * start-up work, e.g. read models catching up on a large log, is over), within
 * `timeoutMs`.
 */
export async function waitUntilIdle(server: ServerProcess, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = await server.cpuSeconds();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await server.cpuSeconds();
    if (now - before < 0.01) return;
    before = now;
  }
  throw new Error(`the server was still busy after ${timeoutMs / 1000} s`);
}

/**
 * Writes `count` events, in streams of `perStream`, into a database with the
 * store's schema: rows exactly as the store writes them (contiguous positions,
 * revisions from 0, stream heads), inserted in bulk with prepared statements:
 * about four times faster here than appending them through the store in appends
 * of 10,000 (20 s against 80 s for a million). The store opens the file first,
 * so its migrations run.
 */
export async function writeEvents(file: string, count: number, perStream = 1_000): Promise<void> {
  const store = await openStore(file, "better-sqlite3");
  await store.close();
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const insertEvent = db.prepare(
      "insert into events (position, stream, revision, id, type, data, content_type, metadata, recorded_at) values (?, ?, ?, ?, ?, ?, null, null, ?)",
    );
    const insertHead = db.prepare("insert into streams (stream, last_revision, last_position) values (?, ?, ?)");
    const source = createRowSource();
    const writeStreams = db.transaction((first: number, streams: number) => {
      for (let index = first; index < first + streams; index += 1) {
        const rows = source.rows(`replay-${index}`, Math.min(perStream, count - index * perStream));
        for (const row of rows) insertEvent.run(row.position, row.stream, row.revision, row.id, row.type, row.data, row.recorded_at);
        const last = rows[rows.length - 1]!;
        insertHead.run(last.stream, last.revision, last.position);
      }
    });
    const streams = Math.ceil(count / perStream);
    for (let first = 0; first < streams; first += 10) writeStreams(first, Math.min(10, streams - first));
  } finally {
    db.close();
  }
}
