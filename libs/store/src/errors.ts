import type { ExpectedRevision } from "./event-store.js";

/** Base of every error the store throws on purpose. */
export abstract class StoreError extends Error {
  abstract readonly kind: string;
}

/** The stream's state did not match the expected revision. */
export class WrongExpectedRevisionError extends StoreError {
  readonly kind = "wrong-expected-revision";
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, `undefined` when it does not exist. */
    readonly actual: number | undefined,
    detail?: string,
  ) {
    super(
      `wrong expected revision on stream "${stream}": expected ${String(expected)}, actual ${
        actual === undefined ? "no stream" : String(actual)
      }${detail ? ` (${detail})` : ""}`,
    );
    this.name = "WrongExpectedRevisionError";
  }
}

/** A compare-and-set of a checkpoint found it elsewhere than expected. */
export class WrongExpectedCheckpointError extends StoreError {
  readonly kind = "wrong-expected-checkpoint";
  constructor(
    /** The checkpoint's name. */
    readonly checkpoint: string,
    readonly expected: number,
    /** Where the checkpoint is; 0 when it was never set. */
    readonly actual: number,
  ) {
    super(`checkpoint "${checkpoint}" is at ${actual}, not at the expected ${expected}`);
    this.name = "WrongExpectedCheckpointError";
  }
}

/** The stream's metadata was not at the expected metadata revision (compare-and-set). */
export class WrongExpectedMetadataRevisionError extends StoreError {
  readonly kind = "wrong-expected-metadata-revision";
  constructor(
    readonly stream: string,
    readonly expected: number,
    /** The metadata's revision; 0 when it was never set. */
    readonly actual: number,
  ) {
    super(`the metadata of stream "${stream}" is at revision ${actual}, not at the expected ${expected}`);
    this.name = "WrongExpectedMetadataRevisionError";
  }
}

/** The stream was tombstoned: its name can never be read or written again. */
export class StreamTombstonedError extends StoreError {
  readonly kind = "stream-tombstoned";
  constructor(
    readonly stream: string,
    /** What was refused: a read (the stream is not found) or a write (appends, metadata, deletes). */
    readonly operation: "read" | "write",
  ) {
    super(`stream "${stream}" was tombstoned: its name can never be ${operation === "read" ? "read" : "written"} again`);
    this.name = "StreamTombstonedError";
  }
}

/** The stream does not exist (never written, or deleted). */
export class StreamNotFoundError extends StoreError {
  readonly kind = "stream-not-found";
  constructor(readonly stream: string) {
    super(`stream "${stream}" does not exist`);
    this.name = "StreamNotFoundError";
  }
}

/** An event names a data subject that cannot be encrypted for: forgotten, or the server has no master key. */
export class DataSubjectError extends StoreError {
  readonly kind = "data-subject";
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`data subject "${subject}": ${reason}`);
    this.name = "DataSubjectError";
  }
}

/** An input was malformed. */
export class InvalidInputError extends StoreError {
  readonly kind = "invalid-input";
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid ${field}: ${reason}`);
    this.name = "InvalidInputError";
  }
}

/** An input exceeded a configured limit (events or bytes per append). */
export class LimitExceededError extends StoreError {
  readonly kind = "limit-exceeded";
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "LimitExceededError";
  }
}

/** The database cannot be reached or the store is closing. */
export class StoreUnavailableError extends StoreError {
  readonly kind = "unavailable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/** The database has no room left (a full disk, a quota): nothing was written; reads go on. */
export class StorageFullError extends StoreError {
  readonly kind = "storage-full";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageFullError";
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}
