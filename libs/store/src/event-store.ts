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
}

export interface AppendResult {
  /** The stream's last revision after the append. */
  revision: number;
  /** The global position of the append's last event. */
  position: number;
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
  /** The position of the last committed event (0 when empty). */
  headPosition(): Promise<number>;
  /** Listens to commits in this process. Returns the function that stops listening. */
  onAppend(listener: AppendListener): () => void;
  /** Waits for queued appends to commit, then closes the database. */
  close(): Promise<void>;
}
