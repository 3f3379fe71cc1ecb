import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The servers the child process can run (see `references/server-main.ts`). */
export type ServerKind = "h2-echo" | "connect-echo" | "annals";

type ChildMessage = { type: "ready"; port: number } | { type: "cpu"; id: number; micros: number } | { type: "error"; message: string };

export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  /** CPU time (user + system) the server process has used so far, seconds. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

const entry = fileURLToPath(new URL("./references/server-main.ts", import.meta.url));
const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Starts a server in its own process, so that the load generator (this process)
 * and the server each have a core, and the server's CPU time is its own.
 */
export async function startServerProcess(kind: ServerKind, args: readonly string[] = [], nodeOptions: readonly string[] = []): Promise<ServerProcess> {
  const child: ChildProcess = fork(entry, [kind, ...args], {
    cwd: root,
    // `nodeOptions`: e.g. `--cpu-prof --cpu-prof-dir=…` to profile the server.
    execArgv: ["--import", "tsx", "--conditions=@annals/source", ...nodeOptions],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, (micros: number) => void>();
  let nextId = 0;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start within 30 s`)), 30_000);
    child.on("message", (message: ChildMessage) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === "error") {
        clearTimeout(timer);
        reject(new Error(`${kind} server failed: ${message.message}`));
      } else if (message.type === "cpu") {
        waiting.get(message.id)?.(message.micros);
        waiting.delete(message.id);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited with ${code}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    port,
    pid: child.pid!,
    cpuSeconds() {
      return new Promise<number>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, (micros) => resolve(micros / 1e6));
        child.send({ type: "cpu", id }, (error) => {
          if (error) reject(error);
        });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
