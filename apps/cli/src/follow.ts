import { setTimeout as delay } from "node:timers/promises";
import type { AnnalsClient, ResolvedEvent, Subscription } from "@annals/sdk";
import { connectionProblem, isTransient } from "./errors.js";

export interface FollowOptions {
  /** One stream; the global log when absent. */
  stream?: string;
  /** First revision (stream) or position (global log) to show, inclusive. Default: only events appended from now on. */
  from?: bigint;
  signal: AbortSignal;
  /** The server's address, for telling lasting failures (a wrong address) from passing ones. */
  url: string;
  /** Called when an attempt failed and the next one starts after `delayMs`. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Called when the server answers again after failed attempts. */
  onRecovered?: () => void;
  /** First wait between attempts, ms; doubles per failed attempt. Default 500. */
  minDelayMs?: number;
  /** Longest wait between attempts, ms. Default 4,000. */
  maxDelayMs?: number;
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
const sleep = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal }).catch(() => undefined);

/** The wait before attempt `attempt + 1`, ms: doubling from `min`, at most `max`. */
export function backoff(attempt: number, min: number, max: number): number {
  return Math.min(max, min * 2 ** (attempt - 1));
}

/**
 * Events of a stream or of the global log as they are appended, until `signal`
 * aborts: a live subscription (history from `from`, then the live tail). When the
 * server is not there or goes away, it tries again with back-off, says so through
 * `onRetry`, and resumes after the last event shown: each event comes once, in
 * order. A wrong address (not an Annals server, the wrong scheme) ends it at once,
 * as does a refused request.
 */
export async function* follow(client: AnnalsClient, options: FollowOptions): AsyncGenerator<ResolvedEvent> {
  const { stream, signal, url } = options;
  const minDelayMs = options.minDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 4_000;
  // Exclusive: the last revision (stream) or position (log) already shown; `undefined` for the start.
  let after: bigint | undefined;
  let resolved = options.from !== undefined;
  if (options.from !== undefined) after = options.from === 0n || (stream === undefined && options.from === 1n) ? undefined : options.from - 1n;
  let failures = 0;
  let answered = false;
  while (!signal.aborted) {
    let subscription: Subscription | undefined;
    const connected = () => {
      answered = true;
      if (failures === 0) return;
      failures = 0;
      options.onRecovered?.();
    };
    try {
      if (!resolved) {
        // "From now on", fixed once: a later attempt resumes from here, missing nothing.
        if (stream === undefined) {
          for await (const last of client.readAll({ direction: "backwards", maxCount: 1, signal })) after = last.position;
        } else after = (await client.getStream(stream, { signal }))?.lastRevision;
        resolved = true;
        connected();
      }
      const from = after === undefined ? ("start" as const) : { after };
      subscription =
        stream === undefined ? client.subscribe({ all: true, from, signal, reconnect: false }) : client.subscribe({ stream, from, signal, reconnect: false });
      subscription.caughtUp.then(connected, () => undefined);
      for await (const event of subscription) {
        connected();
        after = stream === undefined ? event.position : event.revision;
        yield event;
      }
      return;
    } catch (error) {
      if (signal.aborted) return;
      // Positions the server scanned past without a match need no second look.
      const reached = stream === undefined ? subscription?.position : subscription?.revision;
      if (reached !== undefined && (after === undefined || reached > after)) after = reached;
      // Once the server has answered, a strange answer is a restart under way: try again.
      const retry = isTransient(error, url) || (answered && connectionProblem(error, url) !== undefined);
      if (!retry) throw error;
      failures += 1;
      const delayMs = backoff(failures, minDelayMs, maxDelayMs);
      options.onRetry?.(error, failures, delayMs);
      await sleep(delayMs, signal);
    }
  }
}
