import type { Knex } from "knex";
import type { EventStore, ProjectionHandler, RecordedEvent } from "@annals/store";
import type { EventFeed } from "./event-feed.js";

export interface ProjectorOptions {
  /** The projection's name, under which its checkpoint is kept. */
  name: string;
  store: EventStore;
  feed: EventFeed;
  /** Writes the projection's rows for a batch, inside the batch's transaction. */
  handler: ProjectionHandler;
  /** Empties the projection's rows, for a rebuild. */
  reset: (trx: Knex) => Promise<void>;
  /** Told about a failed batch; the projector waits `retryMs` and goes on from its checkpoint. */
  onError?: (error: unknown) => void;
  /** Wait after a failure, ms. Default 1,000. */
  retryMs?: number;
  /** Events per transaction during a rebuild. Default 1,000. */
  rebuildPageSize?: number;
}

export interface Projector {
  /** Starts following `$all` from the stored checkpoint. */
  start(): void;
  /** Stops, waiting for the batch in flight to end. */
  stop(): Promise<void>;
  /** Empties the projection and replays every event up to the current head; then follows again. Answers the checkpoint reached. */
  rebuild(): Promise<number>;
}

/** Keeps a projection up to date: each batch and its checkpoint in one transaction. */
export function createProjector(options: ProjectorOptions): Projector {
  const { name, store, feed, handler } = options;
  const retryMs = options.retryMs ?? 1_000;
  const rebuildPageSize = options.rebuildPageSize ?? 1_000;
  let running: { controller: AbortController; done: Promise<void> } | undefined;
  let rebuilding: Promise<number> | undefined;

  async function follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        let checkpoint = await store.projections.checkpoint(name);
        for await (const page of feed.pagesAfter(checkpoint, signal)) {
          if (signal.aborted) break;
          const result = await store.projections.apply(name, checkpoint, page, handler);
          checkpoint = result.checkpoint;
          // Someone else moved the checkpoint (another instance, a rebuild): start again from it.
          if (!result.applied) break;
        }
      } catch (error) {
        if (signal.aborted) break;
        options.onError?.(error);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
  }

  const projector: Projector = {
    start() {
      if (running) return;
      const controller = new AbortController();
      running = { controller, done: follow(controller.signal) };
    },

    async stop() {
      const current = running;
      running = undefined;
      if (!current) return;
      current.controller.abort();
      await current.done;
    },

    rebuild() {
      rebuilding ??= (async () => {
        const wasRunning = running !== undefined;
        await projector.stop();
        try {
          await store.projections.reset(name, options.reset);
          const head = await store.headPosition();
          let checkpoint = 0;
          while (checkpoint < head) {
            const page: RecordedEvent[] = [];
            for await (const read of store.readAll({ from: checkpoint + 1, maxCount: rebuildPageSize })) page.push(...read);
            if (page.length === 0) break;
            checkpoint = (await store.projections.apply(name, checkpoint, page, handler)).checkpoint;
          }
          return checkpoint;
        } finally {
          if (wasRunning) projector.start();
        }
      })().finally(() => {
        rebuilding = undefined;
      });
      return rebuilding;
    },
  };
  return projector;
}
