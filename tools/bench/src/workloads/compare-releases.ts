import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createBankClient, type BankClient } from "@annals/bank-service";
import { connectGrpc } from "../grpc-load.js";
import { appendFrames, appendPath } from "./server-appends.js";

/**
 * This checkout's event store against another checkout's (a release, e.g. the one
 * whose server still carried the bank and its projector), in one run, rounds
 * interleaved: single-event Append with 64 in flight and 100-event Append with 8 in
 * flight, over gRPC from a lean HTTP/2 load generator, each server in its own process
 * on its own SQLite file. Then a bank command's latency: through the other
 * checkout's server (one hop, the bank inside it) and through this checkout's bank
 * service in front of its event store (two hops, both over gRPC).
 *
 *   npm run bench:releases -- --baseline /path/to/other/checkout [--rounds 5] [--seconds 2]
 *
 * The other checkout needs its own node_modules (`npm ci` there).
 */

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const baseline = option("baseline");
if (!baseline) throw new Error("--baseline <checkout> is required");
const rounds = Number(option("rounds") ?? 5);
const seconds = Number(option("seconds") ?? 2);
const commands = Number(option("commands") ?? 400);
const root = fileURLToPath(new URL("../../../../", import.meta.url));

interface Running {
  child: ChildProcess;
  url: string;
  port: number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** A port free right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/**
 * Runs `entry` of `checkout` with tsx (sources) on a free port, logging warnings only
 * (a request log would cost both sides CPU), and waits until `ready` answers.
 */
async function run(checkout: string, entry: string, args: string[], ready: (url: string) => Promise<boolean>): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@annals/source", join(checkout, entry), "--host", "127.0.0.1", "--port", String(port), ...args], {
    cwd: checkout,
    env: { ...process.env, ANNALS_LOG_LEVEL: "warn", ANNALS_BANK_LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    if (await ready(url).catch(() => false)) break;
    if (Date.now() > deadline) throw new Error(`${entry} not ready in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    url,
    port,
    cpuSeconds: () => {
      // /proc/<pid>/stat: utime and stime in clock ticks (100 per second here).
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      children.delete(child);
    },
  };
}

const serverReady = async (url: string) => (await fetch(`${url}/readyz`)).status === 200;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

interface Workload {
  name: string;
  events: number;
  inFlight: number;
}

const workloads: Workload[] = [
  { name: "single-event Append, 64 in flight", events: 1, inFlight: 64 },
  { name: "100-event Append, 8 in flight", events: 100, inFlight: 8 },
];

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "annals-releases-"));
  const servers = {
    before: await run(baseline!, "apps/server/src/main.ts", ["--db", join(folder, "before.db")], serverReady),
    after: await run(root, "apps/server/src/main.ts", ["--db", join(folder, "after.db")], serverReady),
  };
  try {
    console.log(`before: ${baseline}\nafter:  ${root}\n${rounds} rounds of ${seconds} s each, interleaved\n`);
    for (const workload of workloads) {
      const results: Record<"before" | "after", { rates: number[]; cpuPerCall: number[] }> = { before: { rates: [], cpuPerCall: [] }, after: { rates: [], cpuPerCall: [] } };
      for (let round = 0; round < rounds + 1; round += 1) {
        for (const side of ["before", "after"] as const) {
          const server = servers[side];
          const connection = await connectGrpc(server.port);
          const frames = appendFrames(`${side}-${workload.events}`, Math.ceil((seconds * 60_000) / workload.events), workload.events, workload.inFlight)(round)!;
          const cpuBefore = server.cpuSeconds();
          const result = await connection.drive(appendPath, frames, workload.inFlight, performance.now() + seconds * 1_000, 120_000, 2 * workload.inFlight);
          // Work the server deferred past the round (commits, checkpoints) is still its own.
          await new Promise((resolve) => setTimeout(resolve, 300));
          const cpu = server.cpuSeconds() - cpuBefore;
          await connection.close();
          if (result.failures > 0) throw new Error(`${side}: ${result.failures} failures, first: ${result.firstFailure}`);
          // The first round warms up and is not counted.
          if (round === 0) continue;
          results[side].rates.push((result.calls * workload.events) / result.seconds);
          results[side].cpuPerCall.push((cpu * 1_000) / result.calls);
        }
      }
      const median = (values: number[]) => percentile(values, 50);
      const before = median(results.before.rates);
      const after = median(results.after.rates);
      console.log(`${workload.name}:`);
      console.log(`  before ${before.toFixed(0).padStart(7)} events/s, ${median(results.before.cpuPerCall).toFixed(3)} ms server CPU per call`);
      console.log(`  after  ${after.toFixed(0).padStart(7)} events/s, ${median(results.after.cpuPerCall).toFixed(3)} ms server CPU per call`);
      console.log(`  after / before: ${(after / before).toFixed(2)}x\n`);
    }

    // A bank command, one hop (the bank inside the old server) and two hops (bank service → event store).
    // Ready once it answers a call: NOT_FOUND for an account nobody opened.
    const bankReady = async (url: string) => {
      const probe = createBankClient({ baseUrl: url });
      try {
        return await probe.getAccount("PROBE").then(
          () => true,
          (error: unknown) => (error as { code?: number }).code === 5,
        );
      } finally {
        probe.close();
      }
    };
    const bank = await run(root, "apps/bank/src/main.ts", ["--db", join(folder, "bank.db"), "--event-store", servers.after.url], bankReady);
    try {
      const latency = async (client: BankClient, label: string) => {
        const account = `LAT-${label}`;
        await client.openAccount(account, "0");
        const samples: number[] = [];
        for (let index = 0; index < commands; index += 1) {
          const start = performance.now();
          await client.deposit(account, "1");
          samples.push(performance.now() - start);
        }
        return samples.slice(Math.floor(commands / 10));
      };
      const oneHop = createBankClient({ baseUrl: servers.before.url });
      const twoHops = createBankClient({ baseUrl: bank.url });
      const samples: Record<string, number[]> = { one: [], two: [] };
      for (let round = 0; round < 2; round += 1) {
        samples.one!.push(...(await latency(oneHop, `one-${round}`)));
        samples.two!.push(...(await latency(twoHops, `two-${round}`)));
      }
      oneHop.close();
      twoHops.close();
      console.log(`bank Deposit, sequential, ${2 * commands} commands each (the first tenth of each round not counted):`);
      for (const [label, values] of [
        ["one hop (before: bank inside the event store server)", samples.one!],
        ["two hops (after: bank service → event store, both gRPC)", samples.two!],
      ] as const) {
        console.log(`  ${label}: p50 ${percentile(values, 50).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms`);
      }
    } finally {
      await bank.stop();
    }
  } finally {
    await servers.before.stop();
    await servers.after.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
