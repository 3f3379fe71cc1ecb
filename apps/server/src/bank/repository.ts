import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { AccountSchema } from "@annals/protocol/bank";
import type { EventStore, RecordedEvent } from "@annals/store";
import { evolveView, fromWireAccount, initialView, toWireAccount, type AccountView } from "./account-view.js";
import { UnreadableAccountEventError } from "./errors.js";
import { accountStream } from "./streams.js";

/** What a snapshot of an account holds: the wire `Account` message. */
export const accountSnapshotType = AccountSchema.typeName;

/** The default number of events between two snapshots of an account (see `tools/bench/src/workloads/snapshots.ts`). */
export const defaultSnapshotEvery = 100;

export interface AccountRepositoryOptions {
  store: EventStore;
  /** Save a snapshot once an account has this many events more than its latest snapshot; 0 turns snapshots off. Default {@link defaultSnapshotEvery}. */
  snapshotEvery?: number;
}

export interface LoadedAccount {
  view: AccountView;
  /** The version of the snapshot the load started from; 0 when it replayed from the first event. */
  snapshotVersion: number;
}

export interface AccountRepository {
  /** Events between snapshots; 0 when snapshots are off. */
  readonly snapshotEvery: number;
  /**
   * The account after `version` events (default: all of them): the latest
   * snapshot at or below that version, then the later events. An account that
   * does not exist loads as the initial state.
   */
  load(accountId: string, options?: { version?: number }): Promise<LoadedAccount>;
  /** Saves a snapshot of `view` when it is `snapshotEvery` or more events past `snapshotVersion`. */
  snapshotIfDue(accountId: string, view: AccountView, snapshotVersion: number): Promise<boolean>;
  /** Saves a snapshot of `view` (at its version). */
  saveSnapshot(accountId: string, view: AccountView): Promise<void>;
  /**
   * The account's version as of a time: the number of its events recorded at
   * or before `atNanos` (nanoseconds since the epoch), an event recorded at that
   * very instant included.
   */
  versionAt(accountId: string, atNanos: bigint, currentVersion: number): Promise<number>;
}

async function firstEvent(store: EventStore, stream: string, revision: number): Promise<RecordedEvent | undefined> {
  for await (const page of store.readStream(stream, { from: revision, maxCount: 1 })) return page[0];
  return undefined;
}

/** Loads accounts from their events, starting from snapshots, and saves snapshots as accounts grow. */
export function createAccountRepository(options: AccountRepositoryOptions): AccountRepository {
  const { store } = options;
  const snapshotEvery = options.snapshotEvery ?? defaultSnapshotEvery;
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 0) throw new RangeError("snapshotEvery must be an integer >= 0");

  async function fromSnapshot(stream: string, version: number | undefined): Promise<AccountView | undefined> {
    if (snapshotEvery === 0 || version === 0) return undefined;
    const snapshot = await store.snapshots.latest(stream, {
      type: accountSnapshotType,
      ...(version === undefined ? {} : { atOrBelow: version - 1 }),
    });
    return snapshot && fromWireAccount(fromBinary(AccountSchema, snapshot.state));
  }

  const repository: AccountRepository = {
    snapshotEvery,

    async load(accountId, loadOptions = {}) {
      const stream = accountStream(accountId);
      const wanted = loadOptions.version;
      const snapshot = await fromSnapshot(stream, wanted);
      let view = snapshot ?? initialView();
      const remaining = wanted === undefined ? undefined : wanted - view.state.version;
      if (remaining === undefined || remaining > 0) {
        for await (const page of store.readStream(stream, { from: view.state.version, ...(remaining === undefined ? {} : { maxCount: remaining }) })) {
          for (const event of page) {
            if (event.revision !== view.state.version) throw new UnreadableAccountEventError(stream, event.revision, `expected revision ${view.state.version}`);
            view = evolveView(view, event);
          }
        }
      }
      return { view, snapshotVersion: snapshot?.state.version ?? 0 };
    },

    async snapshotIfDue(accountId, view, snapshotVersion) {
      if (snapshotEvery === 0 || view.state.version - snapshotVersion < snapshotEvery) return false;
      await repository.saveSnapshot(accountId, view);
      return true;
    },

    async saveSnapshot(accountId, view) {
      if (view.state.version === 0) return;
      await store.snapshots.save({
        stream: accountStream(accountId),
        revision: view.state.version - 1,
        type: accountSnapshotType,
        state: toBinary(AccountSchema, toWireAccount(view, accountId)),
      });
    },

    async versionAt(accountId, atNanos, currentVersion) {
      // Commit times never decrease along the log, so a binary search over the
      // revisions finds the last event recorded at or before the instant.
      const stream = accountStream(accountId);
      const recordedBy = async (revision: number) => {
        const event = await firstEvent(store, stream, revision);
        return event !== undefined && BigInt(event.recordedAt) * 1_000_000n <= atNanos;
      };
      let low = 0; // events known to be recorded by then
      let high = currentVersion; // at most this many
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        if (await recordedBy(middle - 1)) low = middle;
        else high = middle - 1;
      }
      return low;
    },
  };
  return repository;
}
