import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { StoreUnavailableError } from "../errors.js";
import type { AppendCommand, BatchOutcome } from "../sql/append-plan.js";
import { decodeError, decodeOutcome, encodeRequest, type WriterReply, type WriterThreadSetup } from "./sqlite-writer-protocol.js";

/** The store's side of the SQLite writer thread (`sqlite-writer-thread.ts`). */
export interface SqliteWriterThread {
  /** Runs one group commit on the thread; settles after its COMMIT (or its failure). */
  commit(commands: readonly AppendCommand[], now: number): Promise<BatchOutcome>;
  /** Starts the thread now rather than at the first commit. */
  start(): void;
  /** The running thread, if any (diagnostics and tests). */
  readonly worker: Worker | undefined;
  /** Stops the thread; commits still in flight fail as unavailable. */
  close(): Promise<void>;
}

/** How long a closing thread may take to close its connection before it is terminated. */
const closeGraceMs = 5_000;

interface Pending {
  commands: readonly AppendCommand[];
  resolve(outcome: BatchOutcome): void;
  reject(error: unknown): void;
}

/**
 * The thread's entry point. Built (dist/*.js): the compiled file beside this one.
 * From the TypeScript sources (tsx, vitest: this file is `.ts`): the `.ts` file,
 * loaded through tsx's ESM hooks, which a worker does not inherit from its parent.
 */
function spawn(setup: WriterThreadSetup): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./sqlite-writer-thread.js", import.meta.url), { workerData: setup });
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("tsx/package.json");
  const exports = (JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, { import: { default: string } }> }).exports;
  const tsx = pathToFileURL(join(dirname(manifest), exports["./esm/api"]!.import.default)).href;
  const entry = new URL("./sqlite-writer-thread.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: setup });
}

export function createSqliteWriterThread(setup: () => WriterThreadSetup): SqliteWriterThread {
  let worker: Worker | undefined;
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, Pending>();

  function start(): Worker {
    if (worker) return worker;
    const thread = spawn(setup());
    let failure: unknown;
    thread.unref();
    thread.on("message", (reply: WriterReply) => {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (pending.size === 0) thread.unref();
      if ("error" in reply) waiting.reject(decodeError(reply.error));
      else waiting.resolve(decodeOutcome(waiting.commands, reply.outcome));
    });
    thread.on("error", (error) => {
      failure = error;
    });
    thread.on("exit", (code) => {
      if (worker === thread) worker = undefined;
      const reason = closed
        ? "the store is closing"
        : `the SQLite writer thread stopped (${failure instanceof Error ? failure.message : `exit code ${code}`}); an append in flight may have committed: retry it with the same event ids`;
      for (const [id, waiting] of pending) {
        pending.delete(id);
        waiting.reject(new StoreUnavailableError(reason, failure === undefined ? undefined : { cause: failure }));
      }
    });
    worker = thread;
    return thread;
  }

  return {
    commit(commands, now) {
      if (closed) return Promise.reject(new StoreUnavailableError("the store is closing"));
      const thread = start();
      const id = nextId++;
      const request = encodeRequest(id, commands, now);
      return new Promise<BatchOutcome>((resolve, reject) => {
        pending.set(id, { commands, resolve, reject });
        // While a commit is in flight the thread keeps the process alive, as a socket would.
        thread.ref();
        thread.postMessage(request, [request.data]);
      });
    },
    start() {
      if (!closed) start();
    },
    get worker() {
      return worker;
    },
    async close() {
      closed = true;
      const thread = worker;
      if (!thread) return;
      // Asked to stop, the thread closes its connection (SQLite then checkpoints the WAL);
      // one that does not stop in time is terminated.
      const exited = new Promise((resolve) => thread.once("exit", resolve));
      thread.ref();
      thread.postMessage(null);
      const timer = setTimeout(() => void thread.terminate(), closeGraceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
