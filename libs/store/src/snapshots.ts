import type { Dialect } from "./dialect/dialect.js";
import { InvalidInputError } from "./errors.js";
import type { StoreLimits } from "./limits.js";
import { latestSnapshot } from "./sql/latest-snapshot.js";
import { saveSnapshot } from "./sql/save-snapshot.js";
import { validateRevision, validateStreamName } from "./validation.js";

/** The state of a stream folded up to a revision, cached so that loading it need not replay every event. */
export interface Snapshot {
  stream: string;
  /** The revision of the last event the state includes. */
  revision: number;
  /** What `state` holds, e.g. the protobuf message name of the encoded state. */
  type: string;
  /** The encoded state. */
  state: Uint8Array;
  /** When it was saved, milliseconds since the Unix epoch. */
  savedAt: number;
}

export interface LatestSnapshotOptions {
  /** Only snapshots at or below this revision. Default: any revision. */
  atOrBelow?: number;
  /** Only snapshots of this type (others are ignored, e.g. an older state format). Default: any type. */
  type?: string;
}

/**
 * Snapshots of streams. A cache: the events stay the truth, and a snapshot may
 * be missing or deleted at any time without changing what a stream means.
 */
export interface SnapshotStore {
  /** Stores the snapshot of `stream` at `revision`, replacing one already there. */
  save(snapshot: Omit<Snapshot, "savedAt">): Promise<void>;
  /** The snapshot of `stream` with the highest revision within the options, `undefined` when there is none. */
  latest(stream: string, options?: LatestSnapshotOptions): Promise<Snapshot | undefined>;
}

export function createSnapshotStore(dialect: Dialect, limits: StoreLimits, guard: <T>(read: () => Promise<T>) => Promise<T>): SnapshotStore {
  return {
    async save(snapshot) {
      validateStreamName(snapshot.stream, limits);
      validateRevision(snapshot.revision, "revision");
      if (typeof snapshot.type !== "string" || snapshot.type.length === 0 || snapshot.type.length > limits.maxEventTypeLength) {
        throw new InvalidInputError("type", `must be 1..${limits.maxEventTypeLength} characters`);
      }
      if (!(snapshot.state instanceof Uint8Array)) throw new InvalidInputError("state", "must be bytes");
      const row = { stream: snapshot.stream, revision: snapshot.revision, type: snapshot.type, state: snapshot.state, saved_at: Date.now() };
      await guard(() => dialect.writeTransaction((trx) => saveSnapshot(trx, row)));
    },

    async latest(stream, options = {}) {
      validateStreamName(stream, limits);
      const atOrBelow = options.atOrBelow === undefined ? Number.MAX_SAFE_INTEGER : validateRevision(options.atOrBelow, "atOrBelow");
      const row = await guard(() => latestSnapshot(dialect.reader, stream, atOrBelow, options.type));
      if (row === undefined) return undefined;
      return { stream: row.stream, revision: Number(row.revision), type: row.type, state: new Uint8Array(row.state), savedAt: Number(row.saved_at) };
    },
  };
}
