import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { attacks, AttackName } from "../attacks/main.js";

const entry = fileURLToPath(new URL("../attacks/main.ts", import.meta.url));

type Options<N extends AttackName> = Parameters<(typeof attacks)[N]>[0];
type Result<N extends AttackName> = Awaited<ReturnType<(typeof attacks)[N]>>;

export interface PreparedAttack<R> {
  /** The attack's process is up (its code loaded, which takes a second of CPU) and waits for `run`. */
  readonly ready: Promise<void>;
  /** Starts the attack; resolves with its result. */
  run(): Promise<R>;
}

/**
 * An attack in a process of its own, so that its busy loops do not slow the
 * bystander measured in this process: only the server is shared. It starts when
 * told, so that measurements can wait until every attacker has loaded.
 */
export function prepareAttack<N extends AttackName>(name: N, options: Options<N>, timeoutMs = 120_000): PreparedAttack<Result<N>> {
  const child = fork(entry, [name, JSON.stringify(options)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let timer: NodeJS.Timeout | undefined;
  const result = new Promise<Result<N>>((resolve, reject) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`attack ${name} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", (message: { ready?: true; result?: Result<N>; error?: string }) => {
      if (message.ready) return;
      clearTimeout(timer);
      if (message.error !== undefined) reject(new Error(`attack ${name} failed: ${message.error}`));
      else resolve(message.result!);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`attack ${name} exited with ${code} before reporting`));
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.on("message", (message: { ready?: true }) => message.ready && resolve());
    result.catch(reject);
  });
  return {
    ready,
    run() {
      child.send({ go: true });
      return result;
    },
  };
}

/** Prepares an attack, waits until it is loaded, runs it. */
export async function runAttack<N extends AttackName>(name: N, options: Options<N>, timeoutMs = 120_000): Promise<Result<N>> {
  const attack = prepareAttack(name, options, timeoutMs);
  await attack.ready;
  return attack.run();
}
