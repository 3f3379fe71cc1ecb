import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The `annals` executable of this workspace. */
export const bin = fileURLToPath(new URL("../../bin/annals.js", import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  ms: number;
}

export interface RunOptions {
  /** Sets ANNALS_URL. */
  url?: string;
  /** What stdin receives; empty by default. */
  input?: string;
  env?: Record<string, string>;
  /** Kills the process and fails after this long, ms. Default 20,000. */
  timeoutMs?: number;
}

/** Runs the real `annals` command as a child process, bounded in time. */
export function annals(args: string[], options: RunOptions = {}): Promise<Run> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...(options.url ? { ANNALS_URL: options.url } : {}), ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`annals ${args.join(" ")} did not finish in ${timeoutMs / 1000} s:\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

export interface LiveRun {
  child: ChildProcess;
  /** Lines of stdout and stderr, as they come. */
  lines: string[];
  /** Lines of stderr alone. */
  errors: string[];
  exited: Promise<number | null>;
}

/** Starts a long-running `annals` command; `lines` fills as it prints. */
export function annalsLive(args: string[], options: { url?: string; env?: Record<string, string> } = {}): LiveRun {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...(options.url ? { ANNALS_URL: options.url } : {}), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const errors: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on("line", (line) => {
    lines.push(line);
    errors.push(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, errors, exited };
}

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The records of an NDJSON text. */
export const ndjson = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
