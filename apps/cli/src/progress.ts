import { SingleBar } from "cli-progress";

export interface ProgressOptions {
  /** What is going on, e.g. `exporting`. */
  label: string;
  /** The amount of work, in the unit `update` counts (events or bytes); `undefined` when unknown. */
  total: number | undefined;
  /** Draw at all. Default: when stderr is a terminal. */
  enabled?: boolean;
}

export interface Progress {
  /** `done` units of `total` so far, `events` events handled. */
  update(done: number, events: number): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/** A progress bar on stderr with events per second and the time left. */
export function createProgress(options: ProgressOptions): Progress {
  const enabled = options.enabled ?? process.stderr.isTTY === true;
  if (!enabled) return silent;
  const known = options.total !== undefined && options.total > 0;
  const bar = new SingleBar({
    stream: process.stderr,
    format: known
      ? `${options.label} [{bar}] {percentage}% | {events} events | {speed} events/s | ETA {eta_formatted}`
      : `${options.label} {events} events | {speed} events/s`,
    barCompleteChar: "#",
    barIncompleteChar: "-",
    hideCursor: true,
    etaBuffer: 50,
    // A pipe instead of a terminal (when forced with --progress): a line now and then.
    noTTYOutput: true,
    notTTYSchedule: 250,
  });
  const started = performance.now();
  const speed = (events: number) => Math.round(events / Math.max((performance.now() - started) / 1_000, 0.001));
  bar.start(known ? options.total! : 1, 0, { events: 0, speed: 0 });
  return {
    update(done, events) {
      bar.update(known ? Math.min(done, options.total!) : 0, { events, speed: speed(events) });
    },
    stop() {
      bar.stop();
    },
  };
}
