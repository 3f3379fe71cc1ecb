/**
 * Under PostgreSQL's `xid` ordering a committed position is readable only once every
 * transaction that took a lower one has ended, and an append that rolls back tells no
 * one. Subscriptions woken by a commit they could not yet read would then wait for the
 * next commit. The watcher re-reads the head after a commit (local or heard) until it
 * reaches that commit's position, and wakes the subscriptions with the head it found.
 */
export interface SettleWatcher {
  /** A commit reached `position`; subscriptions will be woken once it is readable. */
  committed(position: number): void;
  stop(): void;
}

const delaysMs = [2, 5, 10, 20, 50, 100, 200];

export function createSettleWatcher(options: {
  /** The head a reader may see without a hole. */
  readHead(): Promise<number>;
  wake(head: number): void;
  /** Whether anyone listens; no reads are made for no one. */
  listening(): boolean;
}): SettleWatcher {
  let target = 0;
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function run(): Promise<void> {
    running = true;
    let attempt = 0;
    let woken = 0;
    try {
      while (!stopped && options.listening()) {
        const head = await options.readHead().catch(() => woken);
        if (head > woken) {
          woken = head;
          options.wake(head);
        }
        if (head >= target) return;
        const delay = delaysMs[Math.min(attempt, delaysMs.length - 1)]!;
        attempt += 1;
        await new Promise<void>((resolve) => {
          timer = setTimeout(resolve, delay);
          timer.unref();
        });
      }
    } finally {
      running = false;
      timer = undefined;
    }
  }

  return {
    committed(position) {
      if (position <= target && running) return;
      target = Math.max(target, position);
      if (!running && !stopped && options.listening()) void run();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
