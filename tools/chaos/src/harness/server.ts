import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServerProcess, type ServerProcess } from "@annals/server/testing/process";

/** A real server process on 127.0.0.1, on a fresh SQLite file, seen from outside. */
export interface ChaosServer {
  readonly url: string;
  readonly port: number;
  readonly process: ServerProcess;
  /** The server's resident memory now, MiB (from /proc). */
  rssMiB(): number;
  /** The most resident memory the server has had so far, MiB (VmHWM). */
  peakRssMiB(): number;
  /** Sum of the samples of a Prometheus metric whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Kills the server and deletes its database. */
  stop(): Promise<void>;
}

/** A memory figure of a process, MiB; NaN once it has exited. */
function procStatusMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return Number.NaN;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export async function startChaosServer(args: readonly string[] = []): Promise<ChaosServer> {
  const folder = mkdtempSync(join(tmpdir(), "annals-chaos-"));
  const server = await startServerProcess(["--port", "0", "--db", join(folder, "annals.db"), ...args]);
  const pid = server.child.pid!;
  let stopping = false;
  // A server that dies under attack is the finding: say how it died.
  void server.exited.then((code) => {
    if (!stopping) console.error(`the server process exited (${code}) during the probe; its last lines:\n${server.lines.slice(-30).join("\n")}`);
  });
  return {
    url: server.url,
    port: server.port,
    process: server,
    rssMiB: () => procStatusMiB(pid, "VmRSS"),
    peakRssMiB: () => procStatusMiB(pid, "VmHWM"),
    async metric(name, labels = {}) {
      const response = await fetch(`${server.url}/metrics`);
      const text = await response.text();
      let sum = 0;
      for (const line of text.split("\n")) {
        if (!line.startsWith(name)) continue;
        const rest = line.slice(name.length);
        if (rest[0] !== " " && rest[0] !== "{") continue;
        if (!Object.entries(labels).every(([key, value]) => rest.includes(`${key}="${value}"`))) continue;
        sum += Number(rest.slice(rest.lastIndexOf(" ") + 1));
      }
      return sum;
    },
    async stop() {
      stopping = true;
      if (server.child.exitCode === null) {
        server.child.kill("SIGKILL");
        await server.exited;
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
