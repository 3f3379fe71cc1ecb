import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../main.ts", import.meta.url));

export interface BankProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Lines the bank logged so far. */
  lines: string[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/** Runs the real bank service (`apps/bank/src/main.ts`) as a child process and waits for its ready line. */
export async function startBankProcess(args: string[]): Promise<BankProcess> {
  // Node itself with tsx as a loader: a signal (SIGKILL too) reaches the service.
  const child = spawn(process.execPath, ["--import", "tsx", main, "--host", "127.0.0.1", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  createInterface({ input: child.stderr! }).on("line", (line) => lines.push(line));
  const ready = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bank not ready in 20 s:\n${lines.join("\n")}`));
    }, 20_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line) as { url?: string; msg?: string };
        if (entry.url && entry.msg?.startsWith("annals bank listening")) {
          clearTimeout(timer);
          resolve({ url: entry.url, port: Number(new URL(entry.url).port) });
        }
      } catch {
        // not a JSON line
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bank exited (${code}) before it was ready:\n${lines.join("\n")}`));
    });
  });
  return { child, lines, exited, ...(await ready) };
}
