/** Why the server is or is not serving. */
export interface HealthState {
  /** The last database probe answered in time. */
  readonly databaseReachable: boolean;
  /** Why the last probe failed, when it did. */
  readonly reason?: string;
  /** The server is shutting down. */
  readonly draining: boolean;
}

export interface HealthMonitorOptions {
  /** Probes the database; resolving means reachable. */
  probe: () => Promise<unknown>;
  /** Interval between probes, ms. Default 5,000. */
  intervalMs?: number;
  /** A probe slower than this counts as a failure, ms. Default 2,000. */
  timeoutMs?: number;
}

export interface HealthMonitor {
  readonly state: HealthState;
  /** Serving: the database is reachable and the server is not draining. */
  readonly serving: boolean;
  /** Probes once (unless too many probes hang) and updates the state. */
  probeNow(): Promise<void>;
  /** Starts probing every interval. */
  start(): void;
  /** Marks the server as draining, for good, and stops probing. */
  drain(): void;
  /** Stops probing. */
  stop(): void;
  /** Calls `listener` after every change of state. Returns the function that stops it. */
  onChange(listener: (state: HealthState) => void): () => void;
}

class ProbeTimeout extends Error {}

/** Probes still running (past their timeout) beyond which no new one starts. */
const maxOutstandingProbes = 2;

/**
 * Tracks whether the server can serve: probes the database on an interval, with a
 * short timeout, and knows when the server drains. Probes that hang do not pile up:
 * while `maxOutstandingProbes` are still running, no new one starts and the
 * database counts as unreachable.
 */
export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const intervalMs = options.intervalMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const listeners = new Set<(state: HealthState) => void>();
  let state: HealthState = { databaseReachable: true, draining: false };
  let timer: NodeJS.Timeout | undefined;
  let outstanding = 0;
  let stopped = false;

  function update(next: Partial<HealthState>) {
    const merged = { ...state, ...next };
    if (merged.databaseReachable === state.databaseReachable && merged.draining === state.draining && merged.reason === state.reason) return;
    state = merged;
    for (const listener of listeners) listener(state);
  }

  async function probeNow(): Promise<void> {
    if (outstanding >= maxOutstandingProbes) {
      update({ databaseReachable: false, reason: "database probes do not answer" });
      return;
    }
    outstanding += 1;
    const attempt = options.probe();
    void attempt.then(
      () => (outstanding -= 1),
      () => (outstanding -= 1),
    );
    let deadline: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        attempt,
        new Promise((_, reject) => {
          deadline = setTimeout(() => reject(new ProbeTimeout()), timeoutMs);
        }),
      ]);
      update({ databaseReachable: true, reason: undefined });
    } catch (error) {
      update({ databaseReachable: false, reason: error instanceof ProbeTimeout ? `the database probe took longer than ${timeoutMs} ms` : error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(deadline);
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      void probeNow().then(schedule);
    }, intervalMs);
    timer.unref();
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
  }

  return {
    get state() {
      return state;
    },
    get serving() {
      return state.databaseReachable && !state.draining;
    },
    probeNow,
    start() {
      if (timer === undefined && !stopped) schedule();
    },
    drain() {
      stop();
      update({ draining: true });
    },
    stop,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
