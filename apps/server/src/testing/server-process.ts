import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../../../node_modules/.bin/tsx", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Lines the server logged so far. */
  lines: string[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/** Runs the real server (`apps/server/src/main.ts`) as a child process and waits for its ready line. */
export async function startServerProcess(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  // Node itself with tsx as a loader, not the tsx wrapper: a signal (SIGKILL too)
  // must reach the server, and the wrapper cannot relay SIGKILL to its child.
  const child = spawn(process.execPath, ["--import", "tsx", main, "--host", "127.0.0.1", ...args], {
    env: { ...process.env, ANNALS_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  createInterface({ input: child.stderr! }).on("line", (line) => lines.push(line));
  const ready = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Leave nothing running behind a failed start.
      child.kill("SIGKILL");
      reject(new Error(`server not ready in 20 s:\n${lines.join("\n")}`));
    }, 20_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line) as { url?: string; port?: number };
        if (entry.url && entry.port) {
          clearTimeout(timer);
          resolve({ url: entry.url, port: entry.port });
        }
      } catch {
        // not a JSON line
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready:\n${lines.join("\n")}`));
    });
  });
  return { child, lines, exited, ...(await ready) };
}

/** Runs the server entry with `args` and collects its exit code and output (for start-up failures). */
export function runServerEntry(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, [main, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
