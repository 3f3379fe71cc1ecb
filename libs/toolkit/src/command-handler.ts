import { WrongExpectedRevisionError, type ResolvedEvent } from "@annals/sdk";
import { commandFingerprint, defaultCommandEventIds, formerCommandEventIds, type CommandEventIds } from "./command-ids.js";
import type { Decider } from "./decider.js";
import { CommandIdReusedError, ConcurrencyConflictError, WrongExpectedVersionError } from "./errors.js";
import { createKeyedLock } from "./keyed-lock.js";
import { createStateLoader, type LoadedState, type StateLoader, type StateLoaderOptions } from "./state-loader.js";

/** The metadata keys the command handler stamps on every event a command records. */
export const commandMetadataKeys = {
  /** The command's id. */
  commandId: "command_id",
  /** A digest of the command (`commandFingerprint`): tells a retry from a command id reused for another command. */
  fingerprint: "command_fingerprint",
} as const;

export interface CommandHandlerOptions<Command, Event, State> extends StateLoaderOptions<Event, State> {
  decider: Decider<Command, Event, State>;
  /** Most attempts while other writers change the stream meanwhile. Default 8. */
  maxAttempts?: number;
  /** Most events one command may record (the ids looked up to recognise a command sent again). Default 16. */
  maxEventsPerCommand?: number;
  /** How a command's event ids derive from the stream and the command id. Default `defaultCommandEventIds`. */
  eventIds?: CommandEventIds;
  /**
   * How an earlier release derived them: these ids are looked up too, so that a
   * command it recorded is recognised when it is sent again. Default: with the
   * default `eventIds`, `formerCommandEventIds`; with your own, none.
   */
  formerEventIds?: CommandEventIds;
  /** A digest of the command stored with its events. Default `commandFingerprint` (canonical JSON, SHA-256). */
  fingerprint?: (command: Command) => Promise<string> | string;
}

export interface HandleOptions {
  /**
   * The command's id: sending the same command again with it (after a timeout, a
   * crash, from another process) records nothing and answers the first result.
   */
  commandId: string;
  /** Refuse (`WrongExpectedVersionError`) unless the entity is at this version now. */
  expectedVersion?: bigint;
  /** Metadata for every event the command records (actor, correlation id, ...). */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

export interface CommandResult<Event, State> extends LoadedState<State> {
  /** What the command recorded (or had recorded, when `alreadyApplied`). */
  events: readonly Event[];
  /** True when the command id had been applied before: nothing new was recorded. */
  alreadyApplied: boolean;
}

export interface CommandHandler<Command, Event, State> {
  /** Load, decide, append with the loaded revision expected; retried on a conflict with another writer. */
  handle(stream: string, command: Command, options: HandleOptions): Promise<CommandResult<Event, State>>;
  /** The loader the handler reads states with (time travel, history). */
  readonly loader: StateLoader<Event, State>;
}

const noEvents: readonly never[] = [];

/** A command's event ids: those its events are appended with, and those looked up to recognise it (these and the former ones). */
interface CommandIds {
  appended: string[];
  lookedUp: string[];
}

function pause(attempt: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = Math.random() * Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/**
 * Runs commands against event-sourced entities, one stream per entity:
 *
 * - loads the state (from the latest snapshot, then the later events), decides,
 *   and appends with the loaded revision as the expected one;
 * - a conflict with another writer is retried with jittered back-off (up to
 *   `maxAttempts`, then `ConcurrencyConflictError`), unless the caller gave an
 *   expected version, in which case the conflict is the answer
 *   (`WrongExpectedVersionError`);
 * - commands on one stream run one at a time in this process;
 * - a command's events get ids derived from the stream and the command id, so a
 *   command sent again, even after a restart or to another process, finds its
 *   events (`getEvents`, looked up while the state loads), records nothing and
 *   answers the first result;
 * - a snapshot is saved once the stream is `snapshots.every` events past the last one.
 */
export function createCommandHandler<Command, Event, State>(options: CommandHandlerOptions<Command, Event, State>): CommandHandler<Command, Event, State> {
  const { client, decider } = options;
  const loader = createStateLoader(options);
  const maxAttempts = options.maxAttempts ?? 8;
  const maxEvents = options.maxEventsPerCommand ?? 16;
  const eventIds = options.eventIds ?? defaultCommandEventIds;
  const formerEventIds = options.formerEventIds ?? (options.eventIds === undefined ? formerCommandEventIds : undefined);
  const fingerprintOf = options.fingerprint ?? commandFingerprint;
  const locks = createKeyedLock();

  async function idsOf(stream: string, commandId: string): Promise<CommandIds> {
    const derive = (derivation: CommandEventIds) => Promise.all(Array.from({ length: maxEvents }, (_, index) => derivation(stream, commandId, index)));
    const [appended, former] = await Promise.all([derive(eventIds), formerEventIds === undefined ? [] : derive(formerEventIds)]);
    return { appended, lookedUp: [...new Set([...appended, ...former])] };
  }

  /** The first result of a command already recorded; `undefined` when it never was. */
  async function earlier(stream: string, ids: readonly string[], fingerprint: string, handle: HandleOptions): Promise<CommandResult<Event, State> | undefined> {
    const found: ResolvedEvent[] = await client.getEvents(ids, { signal: handle.signal });
    const first = found[0];
    if (first === undefined) return undefined;
    const storedFingerprint = first.metadata[commandMetadataKeys.fingerprint];
    if (first.stream !== stream || (storedFingerprint !== undefined && storedFingerprint !== fingerprint)) throw new CommandIdReusedError(stream, handle.commandId);
    const last = found[found.length - 1]!;
    const loaded = await loader.load(stream, { version: last.revision + 1n, signal: handle.signal });
    return { ...loaded, events: found.map((event) => loader.decode(event)), alreadyApplied: true };
  }

  async function attempt(stream: string, command: Command, ids: CommandIds, fingerprint: string, handle: HandleOptions): Promise<CommandResult<Event, State> | WrongExpectedRevisionError> {
    const [before, loaded] = await Promise.all([earlier(stream, ids.lookedUp, fingerprint, handle), loader.load(stream, { signal: handle.signal })]);
    if (before) return before;
    if (handle.expectedVersion !== undefined && handle.expectedVersion !== loaded.version) {
      throw new WrongExpectedVersionError(stream, handle.expectedVersion, loaded.version);
    }
    const decided = decider.decide(command, loaded.state);
    if (decided.length === 0) return { ...loaded, events: noEvents, alreadyApplied: false };
    if (decided.length > maxEvents) throw new RangeError(`a command recorded ${decided.length} events, more than maxEventsPerCommand (${maxEvents})`);
    const metadata = { ...handle.metadata, [commandMetadataKeys.commandId]: handle.commandId, [commandMetadataKeys.fingerprint]: fingerprint };
    const proposed = decided.map((event, index) => ({ ...options.events.encode(event), id: ids.appended[index]!, metadata }));
    let appended;
    try {
      appended = await client.appendToStream(stream, proposed, {
        expectedRevision: loaded.version === 0n ? "no_stream" : loaded.version - 1n,
        signal: handle.signal,
      });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return error;
      throw error;
    }
    // The append's events have consecutive positions and one commit time: the new state is exact without reading it back.
    let after = loaded;
    decided.forEach((event, index) => {
      const revision = loaded.version + BigInt(index);
      const position = appended.position - BigInt(decided.length - 1 - index);
      after = loader.fold(after, event, { id: ids.appended[index]!, stream, revision, position, recordedAt: appended.recordedAt, metadata });
    });
    await loader.snapshotIfDue(stream, after).catch((error: unknown) => options.onSnapshotError?.(error));
    return { ...after, events: decided, alreadyApplied: false };
  }

  return {
    loader,
    async handle(stream, command, handle) {
      const [ids, fingerprint] = await Promise.all([idsOf(stream, handle.commandId), fingerprintOf(command)]);
      return locks.run(stream, async () => {
        for (let attempts = 1; ; attempts += 1) {
          const outcome = await attempt(stream, command, ids, fingerprint, handle);
          if (!(outcome instanceof WrongExpectedRevisionError)) return outcome;
          if (handle.expectedVersion !== undefined) {
            const recorded = await earlier(stream, ids.lookedUp, fingerprint, handle);
            if (recorded) return recorded;
            throw new WrongExpectedVersionError(stream, handle.expectedVersion, outcome.actual === undefined ? 0n : outcome.actual + 1n);
          }
          if (attempts >= maxAttempts) throw new ConcurrencyConflictError(stream, attempts);
          await pause(attempts, handle.signal);
        }
      });
    },
  };
}

