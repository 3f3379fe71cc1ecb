import type { Client } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { EventStore, StreamMetadata as WireStreamMetadata } from "@annals/protocol";
import { fromCallError } from "./errors.js";
import { toWireExpected, type ExpectedRevision } from "./expected-revision.js";

/** What a stream keeps; events that break a rule read as gone at once, then are scavenged. */
export interface StreamMetadata {
  /** Keep only the last this many events (at least 1). */
  maxCount?: bigint | number;
  /** Keep only events committed less than this many seconds ago (at least 1). */
  maxAgeSeconds?: bigint | number;
  /** Hide every event before this revision. */
  truncateBefore?: bigint | number;
  /** Free-form string entries. */
  custom?: Record<string, string>;
}

/** A stream's metadata and lifecycle state as `getStreamMetadata` answers it. */
export interface StreamMetadataState {
  /** Counts the metadata's changes; 0 when it was never set. */
  metadataRevision: bigint;
  maxCount: bigint | undefined;
  maxAgeSeconds: bigint | undefined;
  truncateBefore: bigint | undefined;
  custom: Record<string, string>;
  /** Soft-deleted, and not written to since. */
  deleted: boolean;
  tombstoned: boolean;
  /** When it last changed; `undefined` when never. */
  updatedAt: Date | undefined;
}

export interface SetStreamMetadataOptions {
  /** Compare-and-set: the metadata revision it must be at now (0: never set); else `WrongExpectedMetadataRevisionError`. */
  expectedMetadataRevision?: bigint | number;
  signal?: AbortSignal;
}

export interface DeleteStreamOptions {
  /** The state the stream must be in. Default `any` (a soft delete still needs the stream to exist: `StreamNotFoundError`). */
  expectedRevision?: ExpectedRevision;
  /** Kill the name for ever instead (as `tombstoneStream`). */
  tombstone?: boolean;
  signal?: AbortSignal;
}

export interface ScavengeOptions {
  /** Positions examined per transaction. Default: the server's setting. */
  batchSize?: number;
  /** At the end of the pass, give the freed space back to the file system (SQLite: VACUUM). */
  reclaimSpace?: boolean;
  signal?: AbortSignal;
}

/** How far a scavenge pass is. */
export interface ScavengeProgress {
  /** Every position up to this one was examined. */
  position: bigint;
  headPosition: bigint;
  /** Events removed by this pass so far. */
  removed: bigint;
  /** The pass reached the head of the log. */
  done: boolean;
}

/** The stream lifecycle calls of `AnnalsClient`. */
export interface LifecycleCalls {
  /** Sets a stream's retention and custom metadata (replacing what was set); answers its new metadata revision. */
  setStreamMetadata(stream: string, metadata: StreamMetadata, options?: SetStreamMetadataOptions): Promise<bigint>;
  getStreamMetadata(stream: string, options?: { signal?: AbortSignal }): Promise<StreamMetadataState>;
  /**
   * Soft-deletes a stream: it reads as not found; appending again (no_stream or any)
   * recreates it, its revisions continuing. Answers its last revision (`undefined`: it never had an event).
   */
  deleteStream(stream: string, options?: DeleteStreamOptions): Promise<bigint | undefined>;
  /** Tombstones a stream: its name is dead for ever (`StreamTombstonedError` on every later use). */
  tombstoneStream(stream: string, options?: Omit<DeleteStreamOptions, "tombstone">): Promise<bigint | undefined>;
  /** Destroys a data subject's key: its events read back `erased`. True when a key was destroyed. */
  forgetSubject(subject: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  /** Runs a scavenge pass on the server now, yielding its progress after each batch. */
  scavenge(options?: ScavengeOptions): AsyncIterable<ScavengeProgress>;
}

const optional = (value: bigint | number | undefined) => (value === undefined ? undefined : BigInt(value));

function toWireMetadata(metadata: StreamMetadata) {
  return {
    maxCount: optional(metadata.maxCount),
    maxAgeSeconds: optional(metadata.maxAgeSeconds),
    truncateBefore: optional(metadata.truncateBefore),
    custom: metadata.custom ?? {},
  };
}

async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw fromCallError(error);
  }
}

export function createLifecycleCalls(client: Client<typeof EventStore>): LifecycleCalls {
  return {
    setStreamMetadata(stream, metadata, options = {}) {
      return call(async () => {
        const response = await client.setStreamMetadata(
          { stream, metadata: toWireMetadata(metadata), expectedMetadataRevision: optional(options.expectedMetadataRevision) },
          { signal: options.signal },
        );
        return response.metadataRevision;
      });
    },
    getStreamMetadata(stream, options = {}) {
      return call(async () => {
        const response = await client.getStreamMetadata({ stream }, { signal: options.signal });
        const metadata: WireStreamMetadata | undefined = response.metadata;
        return {
          metadataRevision: response.metadataRevision,
          maxCount: metadata?.maxCount,
          maxAgeSeconds: metadata?.maxAgeSeconds,
          truncateBefore: metadata?.truncateBefore,
          custom: { ...metadata?.custom },
          deleted: response.deleted,
          tombstoned: response.tombstoned,
          updatedAt: response.updatedAt ? new Date(timestampMs(response.updatedAt)) : undefined,
        };
      });
    },
    deleteStream(stream, options = {}) {
      return call(async () => {
        const response = await client.deleteStream(
          { stream, expectedRevision: toWireExpected(options.expectedRevision), tombstone: options.tombstone ?? false },
          { signal: options.signal },
        );
        return response.lastRevision;
      });
    },
    tombstoneStream(stream, options = {}) {
      return call(async () => (await client.tombstoneStream({ stream, expectedRevision: toWireExpected(options.expectedRevision) }, { signal: options.signal })).lastRevision);
    },
    forgetSubject(subject, options = {}) {
      return call(async () => (await client.forgetSubject({ subject }, { signal: options.signal })).keyDestroyed);
    },
    async *scavenge(options = {}) {
      try {
        for await (const step of client.scavenge({ batchSize: options.batchSize ?? 0, reclaimSpace: options.reclaimSpace ?? false }, { signal: options.signal })) {
          yield { position: step.position, headPosition: step.headPosition, removed: step.removed, done: step.done };
        }
      } catch (error) {
        throw fromCallError(error);
      }
    },
  };
}
