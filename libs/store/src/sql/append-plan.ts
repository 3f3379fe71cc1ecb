import { StreamTombstonedError, WrongExpectedRevisionError } from "../errors.js";
import type { AppendResult, ExpectedRevision, RecordedEvent } from "../event-store.js";
import type { ValidEvent } from "../validation.js";

/** One caller's append, validated, waiting in the write queue. */
export interface AppendCommand {
  stream: string;
  events: readonly ValidEvent[];
  expected: ExpectedRevision;
}

/**
 * The ids a batch looks for among those stored: the ones its callers gave. An id
 * the store made (`ValidEvent.generated`) is fresh, so looking it up finds nothing.
 */
export function idsToLookUp(commands: readonly AppendCommand[]): string[] {
  const ids: string[] = [];
  for (const command of commands) for (const event of command.events) if (!event.generated) ids.push(event.id);
  return ids;
}

export interface BatchOutcome {
  /** One answer per command, in order: its result or why it was refused. */
  results: Array<AppendResult | WrongExpectedRevisionError | StreamTombstonedError>;
  /** What the transaction stores, in position order. */
  recorded: RecordedEvent[];
  /** The commit time given to the recorded events. */
  recordedAt: number;
  /** Some recorded event is hidden by its stream's metadata from the start (revision before `truncate_before`). */
  hidden?: boolean;
}

/** A stream's head: its last revision and position. */
export interface StreamHead {
  stream: string;
  lastRevision: number;
  lastPosition: number;
}

/** What an append must know of a stream's lifecycle (`stream_metadata`). */
export interface StreamLifecycle {
  /** The last revision when it was soft-deleted; the stream reads as absent while its head is still there. */
  deletedThrough: number | undefined;
  tombstoned: boolean;
  /** The first revision reads show. */
  hideBefore: number;
}

export interface StoredEvent {
  stream: string;
  revision: number;
  position: number;
  recordedAt: number;
}

/** What an append batch must know before it writes, read under the write lock. */
export interface BatchState {
  /** The heads of the batch's streams that exist. */
  heads: Map<string, StreamHead>;
  /** The lifecycle of the batch's streams that have a `stream_metadata` row. */
  lifecycle: Map<string, StreamLifecycle>;
  /** The batch's event ids that are already stored. */
  stored: Map<string, StoredEvent>;
  /**
   * The last committed event's position and commit time (zeros when the log is
   * empty): the true head, even when other processes write to the same database.
   */
  last: { position: number; recordedAt: number };
}

/** A `streams` row: a stream's new head. */
export interface HeadRow {
  stream: string;
  last_revision: number;
  last_position: number;
}

/** What a batch writes and answers, decided from its `BatchState`. */
export interface BatchPlan extends BatchOutcome {
  /** The new heads of the streams that received events. */
  headRows: HeadRow[];
}

/** The head's revision as expectations see it: none when the stream is absent or deleted (and not written since). */
export function visibleRevision(head: StreamHead | undefined, lifecycle: StreamLifecycle | undefined): number | undefined {
  if (head === undefined) return undefined;
  if (lifecycle?.deletedThrough !== undefined && lifecycle.deletedThrough >= head.lastRevision) return undefined;
  return head.lastRevision;
}

export function expectationHolds(expected: ExpectedRevision, actual: number | undefined): boolean {
  switch (expected) {
    case "any":
      return true;
    case "no_stream":
      return actual === undefined;
    case "stream_exists":
      return actual !== undefined;
    default:
      return actual === expected;
  }
}

/**
 * An append whose event ids are already stored: a retry that must answer the
 * original result (all ids, in order, at contiguous revisions of the same stream,
 * consistent with the expectation), or a conflict. `undefined` when none is stored.
 */
function replayOf(command: AppendCommand, stored: Map<string, StoredEvent>, actual: number | undefined): AppendResult | WrongExpectedRevisionError | undefined {
  if (stored.size === 0) return undefined;
  const found = command.events.map((event) => stored.get(event.id));
  const first = found[0];
  if (found.every((entry) => entry === undefined)) return undefined;
  const conflict = (detail: string) => new WrongExpectedRevisionError(command.stream, command.expected, actual, detail);
  if (first === undefined || found.some((entry) => entry === undefined)) return conflict("some of the event ids are already stored");
  const contiguous = found.every((entry, index) => entry!.stream === command.stream && entry!.revision === first.revision + index);
  if (!contiguous) return conflict("the event ids are already stored at other revisions or in another stream");
  const before = first.revision === 0 ? undefined : first.revision - 1;
  if (!expectationHolds(command.expected, before)) return conflict("the event ids were stored under another expectation");
  const last = found[found.length - 1]!;
  return { revision: last.revision, position: last.position, recordedAt: last.recordedAt };
}

/**
 * A validated event as the store recorded it: the one shape of `RecordedEvent` that
 * an append builds, on the main thread (`planBatch`) or from the writer thread's
 * answer. Only its own fields, named one by one, in one order: no `generated`, and
 * the recorded events of both writers have the same shape.
 */
export function recordedEvent(event: ValidEvent, stream: string, revision: number, position: number, recordedAt: number): RecordedEvent {
  return { id: event.id, type: event.type, data: event.data, contentType: event.contentType, metadata: event.metadata, stream, revision, position, recordedAt };
}

/**
 * The rules of a group commit, shared by every write path: each command keeps its
 * own idempotency and expected-revision check and its own answer; accepted events
 * get contiguous revisions in their stream and the next positions of the log; all
 * share one commit time that never goes back before the last committed event's.
 * Updates `state` (heads, the ids callers gave) as the commands are applied, in order.
 */
export function planBatch(commands: readonly AppendCommand[], state: BatchState, now: number): BatchPlan {
  const { heads, stored, last, lifecycle } = state;
  let hidden = false;
  let position = last.position;
  // Commit times never go backwards along the global order, even when another
  // process (another clock, or one that waited longer for the lock) wrote last.
  const recordedAt = Math.max(now, last.recordedAt);
  const recorded: RecordedEvent[] = [];
  const touched = new Set<string>();

  const results = commands.map((command) => {
    const stream = command.stream;
    const life = lifecycle.get(stream);
    if (life?.tombstoned) return new StreamTombstonedError(stream, "write");
    const head = heads.get(stream);
    const actual = visibleRevision(head, life);
    const replay = replayOf(command, stored, actual);
    if (replay !== undefined) return replay;
    if (!expectationHolds(command.expected, actual)) {
      return new WrongExpectedRevisionError(stream, command.expected, actual);
    }
    // A deleted stream's revisions continue after its last one.
    let revision = head?.lastRevision ?? -1;
    if (life !== undefined && revision + 1 < life.hideBefore) hidden = true;
    for (const event of command.events) {
      revision += 1;
      position += 1;
      recorded.push(recordedEvent(event, stream, revision, position, recordedAt));
      // A later append of the batch that gives these ids again is a replay. An id the
      // store made was never given to anyone, so no later append can give it.
      if (!event.generated) stored.set(event.id, { stream, revision, position, recordedAt });
    }
    heads.set(stream, { stream, lastRevision: revision, lastPosition: position });
    touched.add(stream);
    return { revision, position, recordedAt };
  });

  const headRows: HeadRow[] = [];
  for (const stream of touched) {
    const head = heads.get(stream)!;
    headRows.push({ stream, last_revision: head.lastRevision, last_position: head.lastPosition });
  }
  return { results, recorded, recordedAt, headRows, hidden };
}
