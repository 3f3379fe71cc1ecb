import type { RecordedEvent } from "../event-store.js";

/**
 * What a commit tells listeners: the events this process committed, in position
 * order, or only the position the log reached when the events were committed
 * elsewhere (another server on the same database): listeners re-read those.
 */
export type CommitNotice =
  | { events: readonly RecordedEvent[]; position: number; /** Payload bytes of the events, for buffer bounds. */ bytes: number }
  | { events?: undefined; position: number; bytes?: undefined };

export type CommitListener = (notice: CommitNotice) => void;

/** The in-process fan-out of commits to subscriptions and `onAppend` listeners. */
export interface CommitNotifier {
  /** Tells every listener about events committed by this process (in position order). */
  publish(events: readonly RecordedEvent[]): void;
  /** Tells every listener that the log reached `position` without saying which events. */
  wake(position: number): void;
  /** Returns the function that stops listening. */
  listen(listener: CommitListener): () => void;
  /** Listeners registered. */
  readonly size: number;
  /** Removes every listener. */
  clear(): void;
}

export function createCommitNotifier(): CommitNotifier {
  const listeners = new Set<CommitListener>();

  function notify(notice: CommitNotice): void {
    for (const listener of listeners) {
      try {
        listener(notice);
      } catch {
        // A listener's failure is its own; the commit stands.
      }
    }
  }

  return {
    publish(events) {
      const last = events[events.length - 1];
      if (last === undefined) return;
      let bytes = 0;
      for (const event of events) bytes += event.data.byteLength;
      notify({ events, position: last.position, bytes });
    },
    wake(position) {
      notify({ position });
    },
    listen(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    get size() {
      return listeners.size;
    },
    clear() {
      listeners.clear();
    },
  };
}
