import type { AnnalsClient, ResolvedEvent } from "@annals/sdk";
import type { EventCodec, StateCodec } from "./codec.js";
import type { Decider, EventContext } from "./decider.js";
import { UnreadableEventError } from "./errors.js";
import type { SnapshotStore } from "./snapshots.js";

/** Snapshots of an entity's state: where, in what format, how often. */
export interface SnapshotOptions<State> {
  store: SnapshotStore;
  state: StateCodec<State>;
  /** Take one once a stream has this many events more than its latest snapshot. Default 100. */
  every?: number;
}

export interface StateLoaderOptions<Event, State> {
  client: AnnalsClient;
  decider: Pick<Decider<unknown, Event, State>, "initialState" | "evolve">;
  events: EventCodec<Event>;
  /** Default: no snapshots, every load replays the stream. */
  snapshots?: SnapshotOptions<State>;
  /** Told when a snapshot could not be saved (the load stands). */
  onSnapshotError?: (error: unknown) => void;
}

/** An entity's state as its events left it. */
export interface LoadedState<State> {
  state: State;
  /** Events folded in: the last one's revision + 1; 0 for none. */
  version: bigint;
  /** The last folded event's position and commit time; `undefined` when none. */
  position: bigint | undefined;
  recordedAt: Date | undefined;
  /** The version of the snapshot the load started from; 0 when it replayed from the first event. */
  snapshotVersion: bigint;
}

export interface LoadOptions {
  /** The state after this many events (at most the current version). Default: all. */
  version?: bigint;
  /** The state as of this time: every event committed at or before it, none after. */
  at?: Date;
  signal?: AbortSignal;
}

export interface StateLoader<Event, State> {
  /** The state of `stream` now, after a version, or as of a time (time travel). */
  load(stream: string, options?: LoadOptions): Promise<LoadedState<State>>;
  /** Folds one more recorded event into a loaded state. */
  fold(loaded: LoadedState<State>, event: Event, context: EventContext): LoadedState<State>;
  /** Saves a snapshot of `loaded` when it is `every` or more events past its snapshot. Answers whether it did. */
  snapshotIfDue(stream: string, loaded: LoadedState<State>): Promise<boolean>;
  /** The domain event a recorded event of `stream` holds. */
  decode(event: ResolvedEvent): Event;
}

export const defaultSnapshotEvery = 100;

/**
 * The events a load asks for first, in one unary `ReadStreamPage` call (a short
 * read in about half the time a stream takes); what follows a snapshot mostly
 * fits. Any more come with one `ReadStream`.
 */
const firstPageSize = 1_000n;

export function contextOf(event: ResolvedEvent): EventContext {
  return { id: event.id, stream: event.stream, revision: event.revision, position: event.position, recordedAt: event.recordedAt, metadata: event.metadata };
}

/**
 * Loads entities from their streams, starting from the latest fitting snapshot
 * and folding the later events with the decider's `evolve`.
 */
export function createStateLoader<Event, State>(options: StateLoaderOptions<Event, State>): StateLoader<Event, State> {
  const { client, decider, events: codec } = options;
  const snapshots = options.snapshots;
  const every = BigInt(snapshots?.every ?? defaultSnapshotEvery);
  if (every < 1n) throw new RangeError("snapshots.every must be at least 1");

  function decode(event: ResolvedEvent): Event {
    try {
      return codec.decode(event);
    } catch (error) {
      throw new UnreadableEventError(event.stream, event.revision, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  function fold(loaded: LoadedState<State>, event: Event, context: EventContext): LoadedState<State> {
    return {
      state: decider.evolve(loaded.state, event, context),
      version: context.revision + 1n,
      position: context.position,
      recordedAt: context.recordedAt,
      snapshotVersion: loaded.snapshotVersion,
    };
  }

  async function fromSnapshot(stream: string, load: LoadOptions): Promise<LoadedState<State> | undefined> {
    if (snapshots === undefined || load.version === 0n) return undefined;
    const snapshot = await snapshots.store.load(stream, {
      type: snapshots.state.type,
      ...(load.version === undefined ? {} : { atOrBelowVersion: load.version }),
      ...(load.at === undefined ? {} : { atOrBefore: load.at }),
    });
    if (snapshot === undefined) return undefined;
    return {
      state: snapshots.state.decode(snapshot.state),
      version: snapshot.version,
      position: snapshot.position,
      recordedAt: snapshot.recordedAt,
      snapshotVersion: snapshot.version,
    };
  }

  async function snapshotIfDue(stream: string, loaded: LoadedState<State>): Promise<boolean> {
    if (snapshots === undefined || loaded.version - loaded.snapshotVersion < every) return false;
    if (loaded.position === undefined || loaded.recordedAt === undefined) return false;
    await snapshots.store.save({
      stream,
      version: loaded.version,
      position: loaded.position,
      recordedAt: loaded.recordedAt,
      type: snapshots.state.type,
      state: snapshots.state.encode(loaded.state),
    });
    loaded.snapshotVersion = loaded.version;
    return true;
  }

  return {
    decode,
    fold,
    snapshotIfDue,

    async load(stream, load = {}) {
      let loaded: LoadedState<State> = (await fromSnapshot(stream, load)) ?? {
        state: decider.initialState(),
        version: 0n,
        position: undefined,
        recordedAt: undefined,
        snapshotVersion: 0n,
      };
      const remaining = load.version === undefined ? undefined : load.version - loaded.version;
      if (remaining === undefined || remaining > 0n) {
        const calls = load.signal === undefined ? {} : { signal: load.signal };
        const until = load.at?.getTime();
        // Folds one event in; false for one past `at`, which ends the load.
        const take = (event: ResolvedEvent): boolean => {
          if (until !== undefined && event.recordedAt.getTime() > until) return false;
          loaded = fold(loaded, decode(event), contextOf(event));
          return true;
        };
        const first = await client.readStreamPage(stream, {
          fromRevision: loaded.version,
          maxCount: remaining === undefined || remaining > firstPageSize ? firstPageSize : remaining,
          ...calls,
        });
        const left = remaining === undefined ? undefined : remaining - BigInt(first.events.length);
        if (first.events.every(take) && first.nextRevision !== undefined && left !== 0n) {
          // Leaving the loop early (a later event, an unreadable one) cancels the read.
          for await (const event of client.readStream(stream, { fromRevision: first.nextRevision, ...(left === undefined ? {} : { maxCount: left }), ...calls })) {
            if (!take(event)) break;
          }
        }
      }
      // Loading the latest state of a long stream is what snapshots are for.
      if (load.version === undefined && load.at === undefined) {
        await snapshotIfDue(stream, loaded).catch((error: unknown) => options.onSnapshotError?.(error));
      }
      return loaded;
    },
  };
}
