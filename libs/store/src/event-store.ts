import type { StoreLimits } from "./limits.js";
import type { SubscribeOptions, Subscription, SubscriptionStats } from "./subscriptions/subscription.js";

/** What the client expects of the stream's state when it appends. */
export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | number;

/** An event as a caller proposes it. */
export interface ProposedEvent {
  /** UUID; the idempotency key. Assigned by the store when absent or empty. */
  id?: string;
  /** Event type, by convention the full protobuf message name. */
  type: string;
  /** The encoded event. */
  data: Uint8Array;
  /** Default `application/protobuf`. */
  contentType?: string;
  /** String metadata (actor, correlation id, causation id...). */
  metadata?: Readonly<Record<string, string>>;
}

/** An event as the store recorded it. */
export interface RecordedEvent {
  id: string;
  type: string;
  data: Uint8Array;
  contentType: string;
  metadata: Record<string, string>;
  stream: string;
  /** 0-based, contiguous inside the stream. */
  revision: number;
  /** 1-based, unique and strictly increasing across the store. */
  position: number;
  /** Commit time, milliseconds since the Unix epoch. */
  recordedAt: number;
  /**
   * True when the event's data subject was forgotten (`forgetSubject`): `data` is
   * empty; type, ids, revision, position, time and metadata stay.
   */
  erased?: boolean;
}

/**
 * The reserved metadata key naming an event's data subject: the store encrypts the
 * event's data with that subject's key before it reaches the database, and
 * `forgetSubject` makes every such event read back erased.
 */
export const dataSubjectKey = "$data_subject";

export interface AppendResult {
  /** The stream's last revision after the append. */
  revision: number;
  /** The global position of the append's last event; the append's events have consecutive positions. */
  position: number;
  /** When the append's events were committed, milliseconds since the Unix epoch (a retry answers the original time). */
  recordedAt: number;
}

export type Direction = "forwards" | "backwards";

export interface ReadStreamOptions {
  /** Default `forwards`. */
  direction?: Direction;
  /** Inclusive start. Default: `start` forwards, `end` backwards. */
  from?: "start" | "end" | number;
  /** At most this many events. Default: no limit. */
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Default `forwards`. */
  direction?: Direction;
  /** Inclusive start position. Default: `start` forwards, `end` backwards. */
  from?: "start" | "end" | number;
  /** At most this many events. Default: no limit. */
  maxCount?: number;
}

export interface StreamInfo {
  stream: string;
  lastRevision: number;
  lastPosition: number;
  /**
   * Events a read shows, when the stream's metadata hides some (truncated, over the
   * max count, older than the max age, deleted): fewer than `lastRevision + 1`.
   * Absent when nothing is hidden. Revisions never change.
   */
  eventCount?: number;
}

/** What a stream keeps: events that break any of these rules read as gone, then are scavenged. */
export interface StreamMetadata {
  /** Keep only the last this many events (at least 1). Default: no limit. */
  maxCount?: number;
  /** Keep only events committed less than this many seconds ago (at least 1). Default: no limit. */
  maxAgeSeconds?: number;
  /** Hide every event before this revision. Default: none. */
  truncateBefore?: number;
  /** Free-form string entries. */
  custom?: Readonly<Record<string, string>>;
}

/** A stream's metadata and lifecycle state as stored. */
export interface StreamMetadataRecord extends StreamMetadata {
  stream: string;
  /** Counts the metadata's changes; 0 when it was never set. */
  metadataRevision: number;
  custom: Record<string, string>;
  /** Soft-deleted, and not written to since. */
  deleted: boolean;
  tombstoned: boolean;
  /** When it last changed, milliseconds since the Unix epoch (0 when never). */
  updatedAt: number;
}

export interface SetStreamMetadataOptions {
  /** Compare-and-set: the metadata revision it must be at now (0: never set). */
  expectedMetadataRevision?: number;
}

export interface DeleteStreamOptions {
  /** The stream's state it must be in. Default `any` (but it must exist). */
  expectedRevision?: ExpectedRevision;
  /** Kill the name forever instead of a soft delete. */
  tombstone?: boolean;
}

export interface ScavengeOptions {
  /** Positions examined per transaction. Default 1,000. */
  batchSize?: number;
  /** Pause between transactions, ms, so that appends keep their latency. Default 0. */
  pauseMs?: number;
  /**
   * At the end of the pass, give the space back to the file system (SQLite: a full
   * VACUUM and WAL truncation, which holds up appends while it runs). Default false:
   * SQLite reuses the freed pages for new events.
   */
  reclaimSpace?: boolean;
  /** Stops the pass after the current batch (its progress is kept). */
  signal?: AbortSignal;
}

/** How far a scavenge pass is, after each of its batches. */
export interface ScavengeProgress {
  /** Every position up to this one was examined. */
  position: number;
  /** The head of the log when the batch ran. */
  headPosition: number;
  /** Events removed by this call so far. */
  removed: number;
  /** True once the pass reached the head (the next pass starts from the beginning). */
  done: boolean;
}

/** A stream as `listStreams` lists it. */
export interface StreamSummary extends StreamInfo {
  /** When its last event was committed, milliseconds since the Unix epoch. */
  lastRecordedAt: number;
}

export interface ListStreamsOptions {
  /** Only streams whose name starts with this (case-sensitive). Default: all. */
  prefix?: string;
  /** Only streams whose name sorts after this one: the last of the previous page. */
  after?: string;
  /** At most this many streams. Default 100. */
  limit?: number;
}

/** One connection pool's use, for metrics. */
export interface PoolStats {
  /** Which pool: `reader`, `writer`, or `main` when one pool serves both. */
  pool: string;
  /** Connections lent out. */
  used: number;
  /** Idle connections. */
  free: number;
  /** Callers waiting for a connection. */
  pending: number;
  /** Most connections the pool opens. */
  max: number;
}

/** A named position stored by `setCheckpoint`. */
export interface Checkpoint {
  name: string;
  position: number;
  /** When it was last set, milliseconds since the Unix epoch. */
  updatedAt: number;
}

export interface ListCheckpointsOptions {
  /** Only checkpoints whose name starts with this (case-sensitive). Default: all. */
  prefix?: string;
  /** Only checkpoints whose name sorts after this one: the last of the previous page. */
  after?: string;
  /** At most this many checkpoints. Default 100. */
  limit?: number;
}

export interface SetCheckpointOptions {
  /** Compare-and-set: the position the checkpoint must be at (0: never set, or set to 0). */
  expectedPosition?: number;
}

/** Called after every commit with the events it made durable, in position order. */
export type AppendListener = (events: readonly RecordedEvent[]) => void;

/**
 * The event store contract every backend implements. Reads yield pages
 * (arrays of events in reading order) so that callers can stream them in batches.
 */
export interface EventStore {
  /** Which backend serves this store, e.g. `sqlite (better-sqlite3)`. */
  readonly backend: string;
  /** The bounds it enforces on every append. */
  readonly limits: StoreLimits;
  /** Appends atomically with an optimistic concurrency check. */
  appendToStream(
    stream: string,
    events: readonly ProposedEvent[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;
  /** Reads one stream in pages. A stream that does not exist yields nothing. */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent[]>;
  /** Reads the global log in pages. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent[]>;
  /** The stream's last revision and position, or `undefined` when it does not exist. */
  getStream(stream: string): Promise<StreamInfo | undefined>;
  /** Streams in ascending name order (the database's collation), a page at a time. */
  listStreams(options?: ListStreamsOptions): Promise<StreamSummary[]>;
  /** The position of the last committed event (0 when empty). */
  headPosition(): Promise<number>;
  /**
   * Resolves when the database can be used: it answers, and (SQLite) its file is
   * still the one opened and was not found damaged. Otherwise rejects with
   * `StoreUnavailableError` saying why. What health checks probe.
   */
  checkHealth(): Promise<void>;
  /**
   * The stored events with these ids (compared case-insensitively), in position
   * order; unknown ids are left out. At most `maxEventIdsPerLookup` ids.
   */
  getEvents(ids: readonly string[]): Promise<RecordedEvent[]>;
  /** The connection pools' current use. */
  poolStats(): PoolStats[];
  /** Listens to commits in this process. Returns the function that stops listening. */
  onAppend(listener: AppendListener): () => void;
  /**
   * Follows a stream, a category or `$all`: the history after `from` in pages,
   * then live events, exactly once and in order (invariant 5). Pull it with
   * `for await`; end it with its signal, `close()` or by leaving the loop.
   */
  subscribe(options: SubscribeOptions): Subscription;
  /**
   * Creates or moves a named checkpoint. With `expectedPosition`, only when the
   * checkpoint is at that position now (never set counts as 0); otherwise throws
   * `WrongExpectedCheckpointError` and changes nothing.
   */
  setCheckpoint(name: string, position: number, options?: SetCheckpointOptions): Promise<Checkpoint>;
  /** The named checkpoint, `undefined` when it was never set. */
  getCheckpoint(name: string): Promise<Checkpoint | undefined>;
  /** Checkpoints in ascending name order (the database's collation), a page at a time. */
  listCheckpoints(options?: ListCheckpointsOptions): Promise<Checkpoint[]>;
  /**
   * Sets the stream's retention and custom metadata (replacing what was set), durably
   * and versioned. Reads honour it at once; the scavenger removes what it hides.
   * With `expectedMetadataRevision`, throws `WrongExpectedMetadataRevisionError` when
   * the metadata is at another revision.
   */
  setStreamMetadata(stream: string, metadata: StreamMetadata, options?: SetStreamMetadataOptions): Promise<StreamMetadataRecord>;
  /** The stream's metadata and state (a record at revision 0 when none was ever set). */
  getStreamMetadata(stream: string): Promise<StreamMetadataRecord>;
  /**
   * Soft delete: the stream reads as not found; an append with `no_stream` or `any`
   * recreates it, its revisions continuing after the last one. With `tombstone`,
   * its name is dead for ever (`StreamTombstonedError` on every later use).
   * Answers the stream's last revision at deletion (-1 when it never had an event).
   */
  deleteStream(stream: string, options?: DeleteStreamOptions): Promise<{ lastRevision: number }>;
  /**
   * One scavenge pass over the log from where the last one stopped (kept in the
   * database): removes what reads hide, in batches, each in its own transaction.
   * Yields progress after each batch. Safe with many store instances on one database.
   */
  scavenge(options?: ScavengeOptions): AsyncIterable<ScavengeProgress>;
  /**
   * Destroys the data subject's key: every event naming that subject reads back
   * erased from then on, on every instance, after restarts; later appends naming
   * it are refused. Answers false when the subject had no key (it is retired all the same).
   */
  forgetSubject(subject: string): Promise<boolean>;
  /** What open subscriptions hold right now. */
  subscriptionStats(): SubscriptionStats;
  /** Waits for queued appends to commit, then closes the database. */
  close(): Promise<void>;
}
