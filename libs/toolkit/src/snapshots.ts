/**
 * The state of a stream folded up to a version, cached so that loading it need
 * not replay every event. A cache only: the events stay the truth, and a snapshot
 * may be missing or deleted at any time without changing what a stream means.
 */
export interface Snapshot {
  readonly stream: string;
  /** Events folded in (the last one's revision + 1). */
  readonly version: bigint;
  /** The last folded event's global position. */
  readonly position: bigint;
  /** When the last folded event was committed: time travel starts from the latest snapshot at or before a time. */
  readonly recordedAt: Date;
  /** The state's format (`StateCodec.type`). */
  readonly type: string;
  readonly state: Uint8Array;
}

export interface SnapshotQuery {
  /** Only snapshots of at most this version. */
  atOrBelowVersion?: bigint;
  /** Only snapshots whose last event was committed at or before this time. */
  atOrBefore?: Date;
  /** Only snapshots of this format. */
  type?: string;
}

/** Where snapshots are kept: the service's own database (`@annals/toolkit/knex`), memory, or anything that implements this. */
export interface SnapshotStore {
  /** The snapshot of `stream` with the highest version within the query, `undefined` when there is none. */
  load(stream: string, query?: SnapshotQuery): Promise<Snapshot | undefined>;
  /** Stores a snapshot, replacing one of the same stream and version. */
  save(snapshot: Snapshot): Promise<void>;
}

/** Snapshots in this process's memory: for tests and short-lived processes. */
export function createMemorySnapshotStore(): SnapshotStore {
  const byStream = new Map<string, Snapshot[]>();
  return {
    async load(stream, query = {}) {
      let best: Snapshot | undefined;
      for (const snapshot of byStream.get(stream) ?? []) {
        if (query.atOrBelowVersion !== undefined && snapshot.version > query.atOrBelowVersion) continue;
        if (query.atOrBefore !== undefined && snapshot.recordedAt.getTime() > query.atOrBefore.getTime()) continue;
        if (query.type !== undefined && snapshot.type !== query.type) continue;
        if (best === undefined || snapshot.version > best.version) best = snapshot;
      }
      return best;
    },
    async save(snapshot) {
      const list = (byStream.get(snapshot.stream) ?? []).filter((kept) => kept.version !== snapshot.version);
      list.push(snapshot);
      byStream.set(snapshot.stream, list);
    },
  };
}
