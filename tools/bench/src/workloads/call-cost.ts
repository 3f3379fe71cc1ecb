import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { positiveIntegerOption } from "../options.js";

/**
 * The fixed cost of one call: sequential calls, one at a time, from the SDK to
 * the server in its own process (SQLite), each side's CPU per call and the wall
 * time per call. What a snapshot load (one short ReadStream) or a command pays on
 * top of its own work.
 *
 *   npm run bench:call-cost [-- --calls 1000 --rounds 3]
 *
 * Each round runs every call kind in turn (200 calls of warm-up, then `calls`
 * measured); the table gives each figure's median over the rounds.
 */

const calls = positiveIntegerOption("calls", 1_000);
const rounds = positiveIntegerOption("rounds", 3);
const warmUp = 200;
const stream = "call-cost-1";
const streamLength = 10_000;
const event = { type: "bench.Happened", data: new Uint8Array(60), metadata: { actor: "bench", command_type: "Deposit", correlation_id: "c-1" } };

interface Kind {
  name: string;
  call(client: AnnalsClient): Promise<unknown>;
}

async function drain(events: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of events);
}

const kinds: Kind[] = [
  { name: "ReadStream, last 5 events", call: (client) => drain(client.readStream(stream, { fromRevision: BigInt(streamLength - 5) })) },
  { name: "ReadStream past the end (none)", call: (client) => drain(client.readStream(stream, { fromRevision: BigInt(streamLength) })) },
  { name: "GetStream", call: (client) => client.getStream(stream) },
  { name: "Append of 1 event", call: (client) => client.appendToStream("call-cost-2", [event]) },
];

interface Figures {
  wall: number;
  client: number;
  server: number;
}

async function measure(client: AnnalsClient, server: ServerProcess, kind: Kind): Promise<Figures> {
  for (let index = 0; index < warmUp; index += 1) await kind.call(client);
  const started = performance.now();
  const clientBefore = process.cpuUsage();
  const serverBefore = await server.cpuSeconds();
  for (let index = 0; index < calls; index += 1) await kind.call(client);
  const wall = performance.now() - started;
  const clientCpu = process.cpuUsage(clientBefore);
  const serverCpu = (await server.cpuSeconds()) - serverBefore;
  return { wall: wall / calls, client: (clientCpu.user + clientCpu.system) / 1_000 / calls, server: (serverCpu * 1_000) / calls };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "annals-bench-call-cost-"));
  const server = await startServerProcess("annals", [join(folder, "annals.db"), "better-sqlite3"]);
  const client = createAnnalsClient({ baseUrl: `http://127.0.0.1:${server.port}` });
  try {
    for (let written = 0; written < streamLength; written += 1_000) await client.appendToStream(stream, Array.from({ length: 1_000 }, () => event));
    const samples = new Map<string, Figures[]>(kinds.map((kind) => [kind.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const kind of kinds) samples.get(kind.name)!.push(await measure(client, server, kind));
    }
    const load = (await import("node:os")).loadavg()[0]!.toFixed(2);
    console.log(`one call at a time, ${calls} calls × ${rounds} rounds, server in its own process (SQLite); medians, ms per call; load ${load}`);
    console.log(`  ${"call".padEnd(32)} ${"wall".padStart(7)} ${"client CPU".padStart(11)} ${"server CPU".padStart(11)}`);
    for (const kind of kinds) {
      const figures = samples.get(kind.name)!;
      const cell = (pick: (figure: Figures) => number, width: number) => median(figures.map(pick)).toFixed(3).padStart(width);
      console.log(`  ${kind.name.padEnd(32)} ${cell((figure) => figure.wall, 7)} ${cell((figure) => figure.client, 11)} ${cell((figure) => figure.server, 11)}`);
    }
  } finally {
    client.close();
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
