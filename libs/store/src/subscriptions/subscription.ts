import { InvalidInputError } from "../errors.js";
import type { RecordedEvent } from "../event-store.js";
import type { EventPage } from "../sql/select-events.js";
import type { CommitNotifier } from "./commit-notifier.js";
import { createLiveBuffer, type BufferGauge } from "./live-buffer.js";
import { onAbort } from "./on-abort.js";
import { createSelector, selects, type EventSelector, type SubscriptionFilter, type SubscriptionTarget } from "./selector.js";

/** Where a subscription starts, exclusive. */
export type SubscriptionStart = "start" | "end" | { afterRevision: number } | { afterPosition: number };

export interface SubscribeOptions {
  target: SubscriptionTarget;
  /** Exclusive start: `afterRevision` for stream targets, `afterPosition` for the others. Default `start`. */
  from?: SubscriptionStart;
  filter?: SubscriptionFilter;
  /**
   * Category and `$all`: send a checkpoint once this many positions were scanned
   * with nothing to deliver. Default 1,000.
   */
  checkpointEveryEvents?: number;
  /** ... or once this long has passed since the last event or checkpoint, ms. Default 1,000. */
  checkpointEveryMs?: number;
  /**
   * Most live events held for a subscriber that has not taken them yet. Past it
   * the subscriber is served from the database again (`fell-behind`). Default 10,000.
   */
  maxLiveBuffer?: number;
  /** ... and most payload bytes held. Default 8 MiB. */
  maxLiveBufferBytes?: number;
  /** Ends the subscription. */
  signal?: AbortSignal;
}

/** What a subscription yields. */
export type SubscriptionMessage =
  /** Events of the target, in position order. */
  | { kind: "events"; events: readonly RecordedEvent[] }
  /**
   * Sent once: the history up to `position` is delivered, what follows is live.
   * Stream targets: `revision` is the stream's revision then (-1: no event yet).
   */
  | { kind: "caught-up"; position: number; revision?: number }
  /** Every position up to this one was scanned; nothing more matched (category and `$all`). */
  | { kind: "checkpoint"; position: number }
  /** The subscriber fell behind the live tail: it is served from the database again, after `position`. */
  | { kind: "fell-behind"; position: number };

export interface Subscription extends AsyncIterable<SubscriptionMessage> {
  /** Ends the subscription and releases its listener and timer (as does aborting its signal). */
  close(): void;
}

/** What open subscriptions hold, for metrics and leak checks. */
export interface SubscriptionStats {
  /** Subscriptions started and not yet ended. */
  active: number;
  /** Commit listeners registered with the store (subscriptions' and `onAppend`'s). */
  listeners: number;
  /** Checkpoint timers pending. */
  timers: number;
  /** Database reads in flight. */
  reads: number;
  /** Live events held for subscribers that have not taken them yet (each at most `maxLiveBuffer`). */
  buffered: number;
}

/** The reads a subscription makes; the knex store provides them. */
export interface SubscriptionSource {
  /** Events per database read. */
  readonly pageSize: number;
  readonly notifier: CommitNotifier;
  /** Aborted when the store closes: every subscription ends. */
  readonly closed: AbortSignal;
  headPosition(): Promise<number>;
  /** The selected events with `after < position <= upTo`, in position order, at most `limit`. */
  readPositionRange(selector: EventSelector, after: number, upTo: number, limit: number): Promise<EventPage>;
  /** The selected events of `selector.stream` after `revision` and at most at position `upTo`, at most `limit`. */
  readStreamAfter(selector: EventSelector, revision: number, upTo: number, limit: number): Promise<EventPage>;
  /** The stream's last revision at position `upTo`; -1 when it had none. */
  streamRevisionAt(stream: string, upTo: number): Promise<number>;
}

/** Counters shared by every subscription of one store. */
export type SubscriptionGauge = BufferGauge & { active: number; reads: number };

export function createSubscriptionGauge(): SubscriptionGauge {
  return { active: 0, timers: 0, reads: 0, buffered: 0 };
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined || value === 0) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidInputError(field, "must be a positive integer");
  return value;
}

function position(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidInputError(field, "must be a non-negative integer");
  return value;
}

function validateStart(from: SubscriptionStart, target: SubscriptionTarget): SubscriptionStart {
  if (from === "start" || from === "end") return from;
  if ("afterRevision" in from) {
    if (target.kind !== "stream") throw new InvalidInputError("from", "after_revision is for stream targets; use after_position");
    return { afterRevision: position(from.afterRevision, "from.after_revision") };
  }
  if ("afterPosition" in from) {
    if (target.kind === "stream") throw new InvalidInputError("from", "after_position is for category and $all targets; use after_revision");
    return { afterPosition: position(from.afterPosition, "from.after_position") };
  }
  throw new InvalidInputError("from", "must be start, end, after a revision or after a position");
}

/**
 * A subscription: catch-up from the database in pages, then live from the commit
 * notifier, with neither gap nor duplicate at the switch, and back again
 * whenever the live path cannot vouch for continuity.
 *
 * - The subscription listens to commits from the start. It empties its buffer,
 *   then reads the head position, which bounds the pages that follow: a commit
 *   is then either at or below that head (visible to the reads) or in the
 *   buffer (notified after), or both; positions at or below the scan are
 *   dropped as duplicates. "Scanned up to the head" is exact because positions
 *   are committed in order (invariant 4). The head is read again, after
 *   emptying the buffer again, only when the scan reaches it.
 * - Live, a notice must continue the scan at `scanned + 1`. Anything else (a
 *   commit made by another process, a position-only wake-up, an overflowed
 *   buffer) sends the subscription back to the database from `scanned`.
 * - It is pulled: nothing is read or buffered beyond what the consumer takes,
 *   except live notices, bounded by `maxLiveBuffer` and `maxLiveBufferBytes`.
 */
export function createSubscription(source: SubscriptionSource, gauge: SubscriptionGauge, options: SubscribeOptions): Subscription {
  const target = options.target;
  const selector = createSelector(target, options.filter);
  const from = validateStart(options.from ?? "start", target);
  const checkpointEveryEvents = positiveInteger(options.checkpointEveryEvents, 1_000, "checkpoint_every_events");
  const checkpointEveryMs = positiveInteger(options.checkpointEveryMs, 1_000, "checkpoint_every_ms");
  const maxLiveBuffer = positiveInteger(options.maxLiveBuffer, 10_000, "max_live_buffer");
  const maxLiveBufferBytes = positiveInteger(options.maxLiveBufferBytes, 8 * 1024 * 1024, "max_live_buffer_bytes");
  const pageSize = source.pageSize;
  const checkpoints = target.kind !== "stream";

  const stop = new AbortController();
  const buffer = createLiveBuffer({ maxEvents: maxLiveBuffer, maxBytes: maxLiveBufferBytes }, gauge);
  let stopListening: (() => void) | undefined;
  let started = false;
  let released = false;

  const ending = [options.signal, source.closed].filter((signal) => signal !== undefined);
  let unregister: (() => void)[] = [];
  function release(): void {
    if (released) return;
    released = true;
    stopListening?.();
    stopListening = undefined;
    buffer.reset();
    for (const stopWatching of unregister) stopWatching();
    unregister = [];
    if (started) gauge.active -= 1;
  }
  stop.signal.addEventListener("abort", release, { once: true });
  // One listener per signal for all the subscriptions on it (the store's close is everyone's).
  for (const signal of ending) {
    if (stop.signal.aborted) break;
    const stopWatching = onAbort(signal, () => stop.abort());
    if (!stop.signal.aborted) unregister.push(stopWatching);
  }

  async function read<T>(query: () => Promise<T>): Promise<T> {
    gauge.reads += 1;
    try {
      return await query();
    } finally {
      gauge.reads -= 1;
    }
  }

  async function* messages(): AsyncGenerator<SubscriptionMessage> {
    if (stop.signal.aborted) return;
    started = true;
    gauge.active += 1;
    stopListening = source.notifier.listen((notice) => buffer.push(notice));
    try {
      /** Every position up to this one has been considered. */
      let scanned = 0;
      /** Stream targets: the last revision delivered (or passed by `end`). */
      let revision = -1;
      /** The last position the consumer was told of (an event, a checkpoint...). */
      let reported = 0;
      let reportedAt = Date.now();
      let caughtUp = false;
      let live = false;

      if (from === "end") {
        scanned = await read(() => source.headPosition());
        if (selector.stream !== undefined) revision = await read(() => source.streamRevisionAt(selector.stream!, scanned));
      } else if (from !== "start") {
        if ("afterPosition" in from) scanned = from.afterPosition;
        else revision = from.afterRevision;
      }
      reported = scanned;

      const report = (at: number) => {
        reported = at;
        reportedAt = Date.now();
      };
      const checkpointDue = () =>
        checkpoints && scanned > reported && (scanned - reported >= checkpointEveryEvents || Date.now() - reportedAt >= checkpointEveryMs);

      /** The head as last read: positions up to it are committed, so pages up to it need no new look. */
      let head = -1;
      while (!stop.signal.aborted) {
        if (!live) {
          if (scanned >= head) {
            // Reaching the end takes a fresh head, and the buffer emptied before it is read.
            buffer.reset();
            head = await read(() => source.headPosition());
          }
          let page: RecordedEvent[];
          /** The page stopped at its row limit or its byte bound: more may follow its last event. */
          let more: boolean;
          if (selector.stream !== undefined) {
            ({ events: page, more } = await read(() => source.readStreamAfter(selector, revision, head, pageSize)));
            if (!more) scanned = Math.max(scanned, head);
          } else {
            const upTo = Math.min(head, scanned + pageSize);
            ({ events: page, more } = upTo > scanned ? await read(() => source.readPositionRange(selector, scanned, upTo, pageSize)) : { events: [], more: false });
            scanned = more ? page[page.length - 1]!.position : Math.max(scanned, upTo);
          }
          if (stop.signal.aborted) return;
          const last = page[page.length - 1];
          if (last !== undefined) {
            revision = last.revision;
            report(last.position);
            yield { kind: "events", events: page };
          }
          if (scanned >= head && !more && !buffer.overflowed) {
            live = true;
            if (!caughtUp) {
              caughtUp = true;
              report(scanned);
              yield selector.stream !== undefined ? { kind: "caught-up", position: scanned, revision } : { kind: "caught-up", position: scanned };
              continue;
            }
          }
          if (checkpointDue()) {
            report(scanned);
            yield { kind: "checkpoint", position: scanned };
          }
          continue;
        }

        if (buffer.overflowed) {
          live = false;
          report(scanned);
          yield { kind: "fell-behind", position: scanned };
          continue;
        }
        const notices = buffer.take();
        if (notices.length === 0) {
          const waitMs = checkpoints && scanned > reported ? reportedAt + checkpointEveryMs - Date.now() : undefined;
          await buffer.wait(stop.signal, waitMs);
          if (checkpointDue()) {
            report(scanned);
            yield { kind: "checkpoint", position: scanned };
          }
          continue;
        }
        // A commit whose events all go to this subscriber is passed on as the same
        // array: every subscriber of `$all` gets the one array, which the server encodes once.
        const parts: (readonly RecordedEvent[])[] = [];
        for (const notice of notices) {
          if (notice.position <= scanned) continue;
          const events = notice.events;
          if (events === undefined) {
            live = false;
            break;
          }
          let index = 0;
          while (events[index]!.position <= scanned) index += 1;
          if (events[index]!.position !== scanned + 1) {
            // Committed elsewhere, or a gap: the database knows what happened in between.
            live = false;
            break;
          }
          const first = index;
          const selected: RecordedEvent[] = [];
          for (; index < events.length; index += 1) {
            const event = events[index]!;
            if (selects(selector, event)) selected.push(event);
          }
          if (selected.length === events.length && first === 0) parts.push(events);
          else if (selected.length > 0) parts.push(selected);
          scanned = notice.position;
        }
        const batch = parts.length === 1 ? parts[0]! : parts.flat();
        const last = batch[batch.length - 1];
        if (last !== undefined) {
          revision = last.revision;
          report(last.position);
          yield { kind: "events", events: batch };
        }
        if (checkpointDue()) {
          report(scanned);
          yield { kind: "checkpoint", position: scanned };
        }
      }
    } catch (error) {
      // A read that fails because the subscription was closed under it is no error.
      if (!stop.signal.aborted) throw error;
    } finally {
      release();
    }
  }

  const generator = messages();
  const iterator: AsyncIterator<SubscriptionMessage> = {
    next: () => generator.next(),
    // Ends the subscription first: the generator's own return() would wait for its next message.
    async return() {
      stop.abort();
      await generator.return(undefined);
      return { done: true, value: undefined };
    },
  };
  return {
    [Symbol.asyncIterator]: () => iterator,
    close() {
      stop.abort();
    },
  };
}
