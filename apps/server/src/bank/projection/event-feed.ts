import type { EventStore, RecordedEvent } from "@annals/store";

/**
 * Where a projection gets `$all` from: pages after a position, in order, then
 * new pages as events are recorded. A small seam, so that the projection can
 * move to the store's subscriptions without changing.
 */
export interface EventFeed {
  /** Pages of `$all` after `after` (exclusive), in position order; waits for more when caught up; ends once `signal` aborts. */
  pagesAfter(after: number, signal: AbortSignal): AsyncIterable<RecordedEvent[]>;
}

export interface PollingFeedOptions {
  /** Most events per page. Default 500. */
  pageSize?: number;
  /**
   * How often to look for events written by other processes (other server
   * instances on one database); this process's own appends wake the feed at
   * once. Default 500 ms.
   */
  pollIntervalMs?: number;
}

/** A feed that reads `$all` in pages and, once caught up, waits for an append in this process or the next poll. */
export function createPollingFeed(store: EventStore, options: PollingFeedOptions = {}): EventFeed {
  const pageSize = options.pageSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  return {
    async *pagesAfter(after, signal) {
      let woken = false;
      let wake: (() => void) | undefined;
      const stopListening = store.onAppend(() => {
        woken = true;
        wake?.();
      });
      try {
        let position = after;
        while (!signal.aborted) {
          woken = false;
          let read = 0;
          for await (const page of store.readAll({ from: position + 1, maxCount: pageSize })) {
            if (page.length === 0) continue;
            read += page.length;
            position = page[page.length - 1]!.position;
            yield page;
          }
          if (read > 0 || woken) continue;
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal.removeEventListener("abort", done);
              wake = undefined;
              resolve();
            };
            const timer = setTimeout(done, pollIntervalMs);
            signal.addEventListener("abort", done, { once: true });
            wake = done;
          });
        }
      } finally {
        stopListening();
      }
    },
  };
}
