import type { CommitNotice } from "./commit-notifier.js";

/** What the live buffers of a store hold, for metrics and leak checks. */
export interface BufferGauge {
  /** Checkpoint timers pending. */
  timers: number;
  /** Events held, over all buffers. */
  buffered: number;
}

/** Bounds of one live buffer. */
export interface LiveBufferLimits {
  /** Most events held. */
  maxEvents: number;
  /** Most payload bytes held. */
  maxBytes: number;
}

/**
 * The commits one subscriber has not taken yet, bounded in events and payload
 * bytes. When a push would go over a bound, the buffer drops everything it
 * holds and remembers that it overflowed: the subscriber then reads from the
 * database again instead of being queued in memory.
 */
export interface LiveBuffer {
  push(notice: CommitNotice): void;
  /** Everything buffered, in commit order; empties the buffer. */
  take(): CommitNotice[];
  /** Empties the buffer and forgets an overflow. */
  reset(): void;
  /** True when notices were dropped since the last `reset`. */
  readonly overflowed: boolean;
  /**
   * Resolves at the next push, when `signal` aborts, or after `timeoutMs`
   * (when given), whichever comes first. Resolves at once when notices wait.
   */
  wait(signal: AbortSignal, timeoutMs?: number): Promise<void>;
}

export function createLiveBuffer(limits: LiveBufferLimits, gauge: BufferGauge): LiveBuffer {
  let notices: CommitNotice[] = [];
  let events = 0;
  let bytes = 0;
  let overflowed = false;
  let wakeUp: (() => void) | undefined;

  function empty(): CommitNotice[] {
    const taken = notices;
    gauge.buffered -= events;
    notices = [];
    events = 0;
    bytes = 0;
    return taken;
  }

  return {
    push(notice) {
      if (!overflowed) {
        const size = notice.events?.length ?? 1;
        const noticeBytes = notice.bytes ?? 0;
        if (events + size > limits.maxEvents || bytes + noticeBytes > limits.maxBytes) {
          empty();
          overflowed = true;
        } else {
          notices.push(notice);
          events += size;
          bytes += noticeBytes;
          gauge.buffered += size;
        }
      }
      wakeUp?.();
    },
    take() {
      return empty();
    },
    reset() {
      empty();
      overflowed = false;
    },
    get overflowed() {
      return overflowed;
    },
    wait(signal, timeoutMs) {
      if (notices.length > 0 || overflowed || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          wakeUp = undefined;
          signal.removeEventListener("abort", done);
          if (timer !== undefined) {
            clearTimeout(timer);
            gauge.timers -= 1;
            timer = undefined;
          }
          resolve();
        };
        wakeUp = done;
        signal.addEventListener("abort", done);
        if (timeoutMs !== undefined) {
          gauge.timers += 1;
          timer = setTimeout(done, Math.max(0, timeoutMs));
        }
      });
    },
  };
}
