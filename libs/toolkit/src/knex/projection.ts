import type { Knex } from "knex";
import type { AnnalsClient, ResolvedEvent, SubscribeOptions } from "@annals/sdk";
import { createCheckpointTable, defaultCheckpointTable, readCheckpoint, writeCheckpoint } from "./checkpoints.js";

/** What a projection follows: `$all` (default) or a category (stream-name prefix). */
export type ProjectionSource = { all: true } | { category: string };

export interface ProjectionOptions {
  client: AnnalsClient;
  /** The service's own database: the read model's tables and the projection's checkpoint live here. */
  db: Knex;
  /** The projection's name, under which its checkpoint is kept (1 to 256 characters). */
  name: string;
  /** Default `$all`. */
  source?: ProjectionSource;
  /** Narrows what the server sends (filtered on the server, not here). */
  filter?: SubscribeOptions["filter"];
  /** Creates the read model's tables when missing; runs at `start`. */
  setup?(db: Knex): Promise<void>;
  /** Applies a batch of events, in order, to the read model, inside the transaction that also moves the checkpoint. */
  apply(trx: Knex.Transaction, events: readonly ResolvedEvent[]): Promise<void>;
  /** Empties the read model, for a rebuild, inside the transaction that also resets the checkpoint. */
  reset(trx: Knex.Transaction): Promise<void>;
  /** Told about each failure; the projection waits `retryMs` and resumes from its checkpoint. */
  onError?(error: unknown): void;
  /** Wait after a failure, ms. Default 1,000. */
  retryMs?: number;
  /** Default `annals_projection_checkpoints`. */
  checkpointTable?: string;
}

export interface ProjectionLag {
  /** What the read model has processed up to. */
  checkpoint: bigint;
  /** The event store's last position. */
  head: bigint;
  /** Positions the read model is behind (events of other types and streams included). */
  behind: bigint;
}

export interface Projection {
  /** Creates the tables when missing and follows the source from the stored checkpoint. */
  start(): Promise<void>;
  /** Stops following, waiting for the batch in flight. */
  stop(): Promise<void>;
  /** Empties the read model and replays every event up to the current head, then follows again. Answers the checkpoint reached. */
  rebuild(): Promise<bigint>;
  /** The stored checkpoint. */
  checkpoint(): Promise<bigint>;
  /** How far the read model is behind the event store. */
  lag(): Promise<ProjectionLag>;
  /** Resolves once the read model has processed up to `position` (read your own writes); rejects after `timeoutMs` (default 10,000). */
  waitFor(position: bigint, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
  /** True while following live (caught up since the last start). */
  readonly caughtUp: boolean;
}

/** The checkpoint moved under this projection (another process, a rebuild): resume from where it is. */
class CheckpointMoved extends Error {}

/**
 * A read model in the service's own database, fed by `Subscribe` (filtered on
 * the server). Each batch of events and the checkpoint after it are written in
 * one transaction, so a crash never applies an event twice nor skips one; the
 * transaction checks that the checkpoint is still where this runner left it,
 * so two runners on one database do not both apply a batch.
 */
export function createProjection(options: ProjectionOptions): Projection {
  const { client, db, name } = options;
  const table = options.checkpointTable ?? defaultCheckpointTable;
  const retryMs = options.retryMs ?? 1_000;
  if (name.length === 0 || name.length > 256) throw new RangeError("a projection's name has 1 to 256 characters");
  let running: { controller: AbortController; done: Promise<void> } | undefined;
  let caughtUp = false;
  /** Positions the running follower has stored, for `waitFor`. */
  const watchers = new Set<() => void>();
  let stored = 0n;

  function moved(position: bigint): void {
    if (position > stored || position === 0n) stored = position;
    for (const watcher of watchers) watcher();
  }

  /** Moves the checkpoint from `from` to `to` in one transaction with `work`; throws `CheckpointMoved` when it is not at `from`. */
  async function advance(from: bigint, to: bigint, work?: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
    await db.transaction(async (trx) => {
      const current = await readCheckpoint(trx, table, name, true);
      if (current !== from) throw new CheckpointMoved(`checkpoint of ${name} is at ${current}, not at ${from}`);
      await work?.(trx);
      await writeCheckpoint(trx, table, name, to);
    });
    moved(to);
  }

  async function follow(signal: AbortSignal, onCaughtUp: (position: bigint) => void): Promise<void> {
    while (!signal.aborted) {
      try {
        let checkpoint = await readCheckpoint(db, table, name);
        moved(checkpoint);
        const source = options.source ?? { all: true as const };
        const subscription = client.subscribe({
          ...source,
          from: checkpoint > 0n ? { after: checkpoint } : "start",
          ...(options.filter ? { filter: options.filter } : {}),
          signal,
          onCheckpoint: async (position) => {
            if (position <= checkpoint) return;
            await advance(checkpoint, position);
            checkpoint = position;
          },
          onCaughtUp: async (position) => {
            if (position > checkpoint) {
              await advance(checkpoint, position);
              checkpoint = position;
            }
            caughtUp = true;
            onCaughtUp(position);
          },
        });
        for await (const batch of subscription.batches()) {
          const last = batch[batch.length - 1]!.position;
          await advance(checkpoint, last, (trx) => options.apply(trx, batch));
          checkpoint = last;
        }
      } catch (error) {
        if (signal.aborted) break;
        caughtUp = false;
        // Someone else moved the checkpoint: start again from it, at once.
        if (error instanceof CheckpointMoved) continue;
        options.onError?.(error);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
  }

  let firstCaughtUp: { promise: Promise<bigint>; resolve(position: bigint): void } | undefined;

  const projection: Projection = {
    get caughtUp() {
      return caughtUp;
    },

    async start() {
      if (running) return;
      await createCheckpointTable(db, table);
      await options.setup?.(db);
      if (running) return;
      const controller = new AbortController();
      caughtUp = false;
      running = {
        controller,
        done: follow(controller.signal, (position) => {
          firstCaughtUp?.resolve(position);
          firstCaughtUp = undefined;
        }),
      };
    },

    async stop() {
      const current = running;
      running = undefined;
      caughtUp = false;
      if (!current) return;
      current.controller.abort();
      await current.done;
    },

    async rebuild() {
      await projection.stop();
      await createCheckpointTable(db, table);
      await options.setup?.(db);
      await db.transaction(async (trx) => {
        await options.reset(trx);
        await writeCheckpoint(trx, table, name, 0n);
      });
      moved(0n);
      let resolve!: (position: bigint) => void;
      const promise = new Promise<bigint>((settle) => (resolve = settle));
      firstCaughtUp = { promise, resolve };
      await projection.start();
      return promise;
    },

    checkpoint() {
      return readCheckpoint(db, table, name);
    },

    async lag() {
      const checkpoint = await readCheckpoint(db, table, name);
      let head = 0n;
      for await (const event of client.readAll({ direction: "backwards", maxCount: 1 })) head = event.position;
      return { checkpoint, head, behind: head > checkpoint ? head - checkpoint : 0n };
    },

    async waitFor(position, wait = {}) {
      if (stored >= position) return;
      if ((await readCheckpoint(db, table, name)) >= position) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`projection ${name} has not reached position ${position} after ${wait.timeoutMs ?? 10_000} ms`)), wait.timeoutMs ?? 10_000);
        const check = () => {
          if (stored >= position) finish();
        };
        const onAbort = () => finish(new Error("aborted"));
        function finish(error?: Error) {
          clearTimeout(timer);
          watchers.delete(check);
          wait.signal?.removeEventListener("abort", onAbort);
          if (error) reject(error);
          else resolve();
        }
        watchers.add(check);
        wait.signal?.addEventListener("abort", onAbort, { once: true });
        check();
      });
    },
  };
  return projection;
}
