import type { EventStore } from "@annals/store";
import type { Logger } from "../logger.js";

export interface BackgroundScavengerOptions {
  store: EventStore;
  logger: Logger;
  /** Pause between passes, ms; 0: no background scavenging. */
  intervalMs: number;
  /** Positions examined per transaction. */
  batchSize: number;
  /** Pause between batches, ms, so that appends keep their latency. */
  pauseMs: number;
}

/**
 * Removes what reads hide (expired, truncated, deleted events) in the background:
 * one pass every `intervalMs`, in small transactions with a pause between them.
 * The pass's progress lives in the database, so a restart resumes it, and with
 * many servers on one PostgreSQL only one scavenges at a time.
 */
export function startBackgroundScavenger(options: BackgroundScavengerOptions): { stop(): Promise<void> } {
  const { store, logger } = options;
  if (options.intervalMs <= 0) return { stop: async () => undefined };
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function pass(): Promise<void> {
    let removed = 0;
    try {
      for await (const step of store.scavenge({ batchSize: options.batchSize, pauseMs: options.pauseMs, signal: stopping.signal })) removed = step.removed;
      if (removed > 0) logger.info({ removed }, "scavenged hidden events");
    } catch (error) {
      if (!stopping.signal.aborted) logger.warn({ err: error }, "scavenging failed; retrying at the next interval");
    }
  }

  function schedule(): void {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = undefined;
        schedule();
      });
    }, options.intervalMs);
    timer.unref();
  }
  schedule();

  return {
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
