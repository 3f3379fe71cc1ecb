import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { attacks, AttackName } from "../attacks/main.js";

const entry = fileURLToPath(new URL("../attacks/main.ts", import.meta.url));

type Options<N extends AttackName> = Parameters<(typeof attacks)[N]>[0];
type Result<N extends AttackName> = Awaited<ReturnType<(typeof attacks)[N]>>;

/**
 * Runs an attack in a process of its own, so that its busy loops do not slow the
 * bystander measured in this process: only the server is shared.
 */
export function runAttack<N extends AttackName>(name: N, options: Options<N>, timeoutMs = 120_000): Promise<Result<N>> {
  return new Promise((resolve, reject) => {
    const child = fork(entry, [name, JSON.stringify(options)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`attack ${name} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("message", (message: { result?: Result<N>; error?: string }) => {
      clearTimeout(timer);
      if (message.error !== undefined) reject(new Error(`attack ${name} failed: ${message.error}`));
      else resolve(message.result!);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`attack ${name} exited with ${code} before reporting`));
    });
  });
}
