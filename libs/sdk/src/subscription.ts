import { fromBinary, type MessageInitShape, type Registry } from "@bufbuild/protobuf";
import { Code, type Client } from "@connectrpc/connect";
import {
  SubscribeResponse_CaughtUpSchema,
  SubscribeResponse_CheckpointSchema,
  SubscribeResponse_FellBehindSchema,
  type SubscribeRequestSchema,
} from "@annals/protocol";
import { AnnalsError, fromCallError } from "./errors.js";
import { decodeEventList } from "./event-decoder.js";
import type { ResolvedEvent } from "./events.js";
import type { EventStoreViews } from "./wire-views.js";

/** What to follow: one stream, a category (stream-name prefix) or `$all`. */
export type SubscriptionTarget =
  | { stream: string; category?: never; all?: never }
  | { category: string; stream?: never; all?: never }
  | { all: true; stream?: never; category?: never };

export interface ReconnectOptions {
  /** First wait before resubscribing, ms; doubles per failed attempt. Default 50. */
  minDelayMs?: number;
  /** Longest wait, ms. Default 2,000. */
  maxDelayMs?: number;
  /** Failed attempts in a row before giving up. Default: never give up. */
  maxAttempts?: number;
}

export type SubscribeOptions = SubscriptionTarget & {
  /**
   * Where to start, exclusive: `start` (default), `end` (only what is committed
   * from now on), or after a revision (stream targets) or a position (category
   * and `$all`).
   */
  from?: "start" | "end" | { after: bigint | number };
  /**
   * Only events whose type starts with one of `eventTypePrefixes` (when given)
   * and whose stream name starts with one of `streamPrefixes` (when given).
   */
  filter?: { eventTypePrefixes?: readonly string[]; streamPrefixes?: readonly string[] };
  /** Ends the subscription; the loop then ends without an error. */
  signal?: AbortSignal;
  /**
   * Called, in order with the events, when the server has scanned up to
   * `position` with nothing more to deliver (category and `$all`): store it to
   * resume after it. The next event waits for the returned promise.
   */
  onCheckpoint?: (position: bigint) => void | Promise<void>;
  /**
   * Called once, in order with the events, when the history is delivered and live
   * events begin, with the position where the history ended. The next event waits
   * for the returned promise.
   */
  onCaughtUp?: (position: bigint) => void | Promise<void>;
  /** Called when the server stopped buffering live events for this slow reader and serves it from the database again. */
  onFellBehind?: (position: bigint) => void;
  /** Called before each attempt to resubscribe after a transient failure. */
  onReconnect?: (error: AnnalsError, attempt: number) => void;
  /** Resubscribe after a transient failure (server restart, connection reset). Default on; `false` to fail instead. */
  reconnect?: boolean | ReconnectOptions;
  /** Category and `$all`: a checkpoint after this many positions scanned without an event. Default: the server's (1,000). */
  checkpointEveryEvents?: number;
  /** ... or after this long, ms. Default: the server's (1,000). */
  checkpointEveryMs?: number;
};

/**
 * A live subscription: `for await` yields its events, exactly once and in
 * order, across reconnections. Leaving the loop ends it.
 */
export interface Subscription extends AsyncIterable<ResolvedEvent> {
  /**
   * Resolves once, with the global position where the history ended and live
   * events began; rejects when the subscription fails or ends before that. It
   * settles while the subscription is being read (`for await`).
   */
  readonly caughtUp: Promise<bigint>;
  /** True once `caughtUp` has resolved. */
  readonly isCaughtUp: boolean;
  /** The last position delivered or checkpointed (category and `$all`): resume after it. */
  readonly position: bigint | undefined;
  /** Stream targets: the last revision delivered. */
  readonly revision: bigint | undefined;
  /**
   * The same events a batch at a time, as the server sent them (at least one
   * event each): for consumers that apply events in transactions. A subscription
   * is read either this way or event by event (`for await` on it), not both.
   */
  batches(): AsyncIterable<readonly ResolvedEvent[]>;
  /** Ends the subscription. */
  close(): void;
}

/**
 * Failures worth a new attempt: the server went away, restarted or cut the
 * connection (a reset stream surfaces as INTERNAL or CANCELED). A refused request
 * (INVALID_ARGUMENT...) ends the subscription with its error.
 */
const transientCodes = new Set([Code.Unavailable, Code.Internal, Code.Unknown, Code.Aborted, Code.DeadlineExceeded, Code.Canceled]);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** An error thrown by one of the reader's callbacks (`onCheckpoint`, `onCaughtUp`), carried past the retry logic. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

async function callback(run: () => void | Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw new CallbackFailure(error);
  }
}

/**
 * Where "the end" is right now: the log's last position (`$all`, categories) or the
 * stream's last revision (stream targets; `undefined` when it has no event yet).
 */
export type EndResolver = (signal: AbortSignal) => Promise<{ position?: bigint; revision?: bigint }>;

export function createSubscription(
  views: Client<typeof EventStoreViews>,
  registry: Registry | undefined,
  options: SubscribeOptions,
  resolveEnd: EndResolver,
): Subscription {
  const stop = new AbortController();
  const userSignal = options.signal;
  const onUserAbort = () => stop.abort();
  if (userSignal?.aborted) stop.abort();
  else userSignal?.addEventListener("abort", onUserAbort, { once: true });

  const reconnect: ReconnectOptions | undefined = options.reconnect === false ? undefined : options.reconnect === true ? {} : (options.reconnect ?? {});
  const minDelayMs = reconnect?.minDelayMs ?? 50;
  const maxDelayMs = reconnect?.maxDelayMs ?? 2_000;
  const maxAttempts = reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY;
  const streamTarget = options.stream !== undefined;

  // What was handed to the reader (`position`, `revision` getters) and, ahead of it
  // by at most one batch, what the next call resumes after.
  let position: bigint | undefined;
  let revision: bigint | undefined;
  let resumePosition: bigint | undefined;
  let resumeRevision: bigint | undefined;
  let isCaughtUp = false;
  // `from: "end"` is fixed to a position before the first call, so that a reconnect
  // before the first caught-up cannot skip what was committed meanwhile.
  let endResolved = false;
  let settleCaughtUp: { resolve(position: bigint): void; reject(error: unknown): void };
  const caughtUp = new Promise<bigint>((resolve, reject) => {
    settleCaughtUp = { resolve, reject };
  });
  // Nobody has to await it: a failure also surfaces through the loop.
  caughtUp.catch(() => undefined);

  function request(): MessageInitShape<typeof SubscribeRequestSchema> {
    const target = options.stream !== undefined
      ? { case: "stream" as const, value: options.stream }
      : options.category !== undefined
        ? { case: "category" as const, value: options.category }
        : { case: "all" as const, value: {} };
    let from: MessageInitShape<typeof SubscribeRequestSchema>["from"];
    const start = options.from ?? "start";
    if (streamTarget && resumeRevision !== undefined) from = { case: "afterRevision", value: resumeRevision };
    else if (!streamTarget && resumePosition !== undefined) from = { case: "afterPosition", value: resumePosition };
    // A stream that had no event when the subscription caught up: everything after is new.
    else if (isCaughtUp || endResolved) from = { case: "start", value: {} };
    else if (start === "start" || start === "end") from = { case: start, value: {} };
    else from = { case: streamTarget ? "afterRevision" : "afterPosition", value: BigInt(start.after) };
    return {
      target,
      from,
      filter: options.filter ? { eventTypePrefixes: [...(options.filter.eventTypePrefixes ?? [])], streamPrefixes: [...(options.filter.streamPrefixes ?? [])] } : undefined,
      checkpointEveryEvents: options.checkpointEveryEvents ?? 0,
      checkpointEveryMs: options.checkpointEveryMs ?? 0,
    };
  }

  /** True for an event this subscription has not delivered yet (a resubscription starts exactly after the last one; this is a guard). */
  function isNew(event: ResolvedEvent): boolean {
    if (streamTarget) return resumeRevision === undefined || event.revision > resumeRevision;
    return resumePosition === undefined || event.position > resumePosition;
  }

  /** Past a marker (caught up, checkpoint): the reader has every event before it. */
  function advance(to: bigint): void {
    if (resumePosition === undefined || to > resumePosition) resumePosition = to;
    if (position === undefined || to > position) position = to;
  }

  /** The reader was handed `event`. */
  function delivered(event: ResolvedEvent): void {
    if (position === undefined || event.position > position) position = event.position;
    if (streamTarget) revision = event.revision;
  }

  /** Follows the target: one Subscribe call after another, each after the last position delivered. */
  async function* run(): AsyncGenerator<ResolvedEvent[]> {
    let failures = 0;
    try {
      while (!stop.signal.aborted) {
        const call = new AbortController();
        const endCall = () => call.abort();
        stop.signal.addEventListener("abort", endCall, { once: true });
        try {
          if (options.from === "end" && !endResolved) {
            const end = await resolveEnd(call.signal);
            if (streamTarget) resumeRevision = revision = end.revision;
            else resumePosition = position = end.position ?? 0n;
            endResolved = true;
          }
          for await (const response of views.subscribe(request(), { signal: call.signal })) {
            // Ended by its signal: what the transport still hands over is nobody's any more.
            if (stop.signal.aborted) return;
            failures = 0;
            const kind = response.kind;
            switch (kind.case) {
              case "events": {
                const batch = decodeEventList(kind.value, registry).filter(isNew);
                const last = batch[batch.length - 1];
                if (last === undefined) break;
                if (resumePosition === undefined || last.position > resumePosition) resumePosition = last.position;
                if (streamTarget) resumeRevision = last.revision;
                yield batch;
                break;
              }
              case "caughtUp": {
                const caught = fromBinary(SubscribeResponse_CaughtUpSchema, kind.value);
                advance(caught.position);
                if (streamTarget && caught.revision !== undefined && (resumeRevision === undefined || caught.revision > resumeRevision)) {
                  resumeRevision = caught.revision;
                  revision = caught.revision;
                }
                if (!isCaughtUp) {
                  isCaughtUp = true;
                  await callback(() => options.onCaughtUp?.(caught.position));
                  settleCaughtUp.resolve(caught.position);
                }
                break;
              }
              case "checkpoint": {
                const checkpoint = fromBinary(SubscribeResponse_CheckpointSchema, kind.value);
                advance(checkpoint.position);
                await callback(() => options.onCheckpoint?.(checkpoint.position));
                break;
              }
              case "fellBehind":
                options.onFellBehind?.(fromBinary(SubscribeResponse_FellBehindSchema, kind.value).position);
                break;
            }
          }
          if (stop.signal.aborted) return;
          // A subscription never ends by itself: the server went away between two messages.
          throw new AnnalsError("the subscription ended unexpectedly", Code.Unavailable);
        } catch (error) {
          if (stop.signal.aborted) return;
          // The reader's own callback failed: that ends the subscription with its error, no retry.
          if (error instanceof CallbackFailure) throw error.error;
          const failure = fromCallError(error) as AnnalsError;
          failures += 1;
          if (reconnect === undefined || !transientCodes.has(failure.code) || failures > maxAttempts) throw failure;
          options.onReconnect?.(failure, failures);
          await sleep(Math.min(maxDelayMs, minDelayMs * 2 ** (failures - 1)), stop.signal);
        } finally {
          stop.signal.removeEventListener("abort", endCall);
          call.abort();
        }
      }
    } catch (error) {
      settleCaughtUp.reject(error);
      throw error;
    } finally {
      if (!isCaughtUp) settleCaughtUp.reject(new AnnalsError("the subscription ended before it caught up", Code.Canceled));
      userSignal?.removeEventListener("abort", onUserAbort);
      stop.abort();
    }
  }

  const batches = run();
  let mode: "events" | "batches" | undefined;
  const claim = (wanted: "events" | "batches") => {
    if (mode !== undefined && mode !== wanted) throw new TypeError("a subscription is read either event by event or batch by batch, not both");
    mode = wanted;
  };
  // Ends the call first: a generator's own return() would wait for the next message.
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    stop.abort();
    await batches.return(undefined);
    return { done: true, value: undefined };
  };
  let pending: readonly ResolvedEvent[] = [];
  let index = 0;
  const events: AsyncIterator<ResolvedEvent> = {
    async next() {
      while (index >= pending.length) {
        const next = await batches.next();
        if (next.done) return { done: true, value: undefined };
        pending = next.value;
        index = 0;
      }
      const event = pending[index++]!;
      delivered(event);
      return { done: false, value: event };
    },
    return: end,
  };
  const batchIterator: AsyncIterator<readonly ResolvedEvent[]> = {
    async next() {
      const next = await batches.next();
      if (next.done) return { done: true, value: undefined };
      delivered(next.value[next.value.length - 1]!);
      return next;
    },
    return: end,
  };
  return {
    [Symbol.asyncIterator]: () => {
      claim("events");
      return events;
    },
    batches: () => ({
      [Symbol.asyncIterator]: () => {
        claim("batches");
        return batchIterator;
      },
    }),
    caughtUp,
    get isCaughtUp() {
      return isCaughtUp;
    },
    get position() {
      return position;
    },
    get revision() {
      return revision;
    },
    close() {
      stop.abort();
    },
  };
}
