import { createLifecycleCalls, type LifecycleCalls } from "./lifecycle.js";
import { fromBinary, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, timestampMs, type FileDescriptorSet, type Timestamp } from "@bufbuild/protobuf/wkt";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { Direction, EventStore } from "@annals/protocol";
import { fromCallError } from "./errors.js";
import { toWireEvent, type EventInput, type ResolvedEvent } from "./events.js";
import { decodeEvents } from "./event-decoder.js";
import { createSubscription, type SubscribeOptions, type Subscription } from "./subscription.js";
import { EventStoreViews } from "./wire-views.js";
import { toWireExpected, type ExpectedRevision } from "./expected-revision.js";

/** What every platform's client accepts (see `node-client.ts` and `browser-client.ts`). */
export interface ClientOptions {
  /**
   * The server, e.g. `http://127.0.0.1:50051` (in a browser, `/` for the page's
   * own origin). Required unless `transport` is given.
   */
  baseUrl?: string;
  /**
   * A Connect transport of your own (custom fetch, proxy, test router...), used
   * instead of the one the client builds from `baseUrl`; `close()` leaves it open.
   */
  transport?: Transport;
  /** Protobuf types to encode bare messages and decode events. Default: none (raw bytes only). */
  registry?: Registry;
  /** Client interceptors (auth headers, tracing...), on the transport the client builds. */
  interceptors?: Interceptor[];
  /**
   * A bearer token (an API key or a JWT) sent as `authorization: Bearer <token>` on
   * every call, on the transport the client builds. Default: none.
   */
  token?: string;
}

export interface AppendOptions {
  /** Default `any`. */
  expectedRevision?: ExpectedRevision;
  signal?: AbortSignal;
}

export interface AppendResult {
  /** The stream's last revision after the append. */
  revision: bigint;
  /** The global position of the append's last event; the append's events have consecutive positions. */
  position: bigint;
  /** When the append's events were committed (a retry answers the original time). */
  recordedAt: Date;
}

export interface ReadStreamOptions {
  /** Default `forwards`. */
  direction?: "forwards" | "backwards";
  /** Inclusive. Default `start` forwards, `end` backwards. */
  fromRevision?: "start" | "end" | bigint | number;
  /** Default: no limit. */
  maxCount?: bigint | number;
  signal?: AbortSignal;
}

export interface ReadStreamPageOptions extends Omit<ReadStreamOptions, "maxCount"> {
  /** Most events in the page. Default 100, at most 1,000. */
  maxCount?: bigint | number;
}

/** One page of a stream, read in one call. */
export interface StreamPage {
  events: ResolvedEvent[];
  /** Pass it as `fromRevision` for the next page (same direction); `undefined` when none followed. */
  nextRevision: bigint | undefined;
}

export interface ReadAllOptions {
  /** Default `forwards`. */
  direction?: "forwards" | "backwards";
  /** Inclusive. Default `start` forwards, `end` backwards. */
  fromPosition?: "start" | "end" | bigint | number;
  /** Default: no limit. */
  maxCount?: bigint | number;
  signal?: AbortSignal;
}

export interface StreamState {
  lastRevision: bigint;
  lastPosition: bigint;
}

export interface ListStreamsOptions {
  /** Only streams whose name starts with this (case-sensitive). Default: all. */
  prefix?: string;
  /** Streams fetched per call. Default 100 (the server grants at most 1,000). */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface StreamSummary {
  stream: string;
  lastRevision: bigint;
  lastPosition: bigint;
  eventCount: bigint;
  /** When the stream's last event was committed; `undefined` from a server that does not tell. */
  lastRecordedAt: Date | undefined;
}

export interface PageOptions {
  /** Only names that start with this (case-sensitive). Default: all. */
  prefix?: string;
  /** Most items in the page. Default 100 (the server grants at most 1,000). */
  pageSize?: number;
  /** `nextPageToken` of the previous page; default: the first page. */
  pageToken?: string;
  signal?: AbortSignal;
}

/** One page of streams. */
export interface StreamsPage {
  streams: StreamSummary[];
  /** Pass it as `pageToken` for the next page; `undefined` on the last page. */
  nextPageToken: string | undefined;
}

/** A stored checkpoint, as `listCheckpoints` lists it. */
export interface NamedCheckpoint extends Checkpoint {
  name: string;
}

/** One page of checkpoints, with the head of the log when it was read. */
export interface CheckpointsPage {
  checkpoints: NamedCheckpoint[];
  /** Pass it as `pageToken` for the next page; `undefined` on the last page. */
  nextPageToken: string | undefined;
  /** The position of the last committed event (0 when the log is empty): a checkpoint's lag is `headPosition - position`. */
  headPosition: bigint;
}

export interface SetCheckpointOptions {
  /** Compare-and-set: the position the checkpoint must be at now (0: never set). */
  expectedPosition?: bigint | number;
  signal?: AbortSignal;
}

/** A named position stored on the server. */
export interface Checkpoint {
  position: bigint;
  updatedAt: Date;
}

export interface AnnalsClient extends LifecycleCalls {
  /** Appends atomically; rejects with `WrongExpectedRevisionError` on a conflict. */
  appendToStream(stream: string, events: readonly EventInput[], options?: AppendOptions): Promise<AppendResult>;
  /** Reads one stream, event by event (the wire carries them in batches). */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<ResolvedEvent>;
  /** Reads one page of a stream in one unary call: cheaper than `readStream` for a few events. */
  readStreamPage(stream: string, options?: ReadStreamPageOptions): Promise<StreamPage>;
  /** Reads the global log. */
  readAll(options?: ReadAllOptions): AsyncIterable<ResolvedEvent>;
  /** The stream's last revision and position, `undefined` when it does not exist. */
  getStream(stream: string, options?: { signal?: AbortSignal }): Promise<StreamState | undefined>;
  /** Every stream (or those with a prefix) in name order, fetched a page at a time. */
  listStreams(options?: ListStreamsOptions): AsyncIterable<StreamSummary>;
  /** One page of streams in name order (for a user paging through them). */
  listStreamsPage(options?: PageOptions): Promise<StreamsPage>;
  /**
   * Follows a stream, a category or `$all`: history first, then live events,
   * exactly once and in order, resubscribing by itself after transient failures.
   */
  subscribe(options: SubscribeOptions): Subscription;
  /**
   * Stores a named checkpoint on the server. With `expectedPosition`, only when the
   * checkpoint is at that position now (never set counts as 0); otherwise rejects
   * with `WrongExpectedCheckpointError`.
   */
  setCheckpoint(name: string, position: bigint | number, options?: SetCheckpointOptions): Promise<void>;
  /** The named checkpoint, `undefined` when it was never set. */
  getCheckpoint(name: string, options?: { signal?: AbortSignal }): Promise<Checkpoint | undefined>;
  /** One page of the stored checkpoints in name order, with the head of the log. */
  listCheckpoints(options?: PageOptions): Promise<CheckpointsPage>;
  /**
   * The protobuf files describing the message types the server knows (its own and
   * the schemas its deployment registered), each after its imports:
   * `createFileRegistry(await client.getSchemas())` decodes their events.
   */
  getSchemas(options?: { signal?: AbortSignal }): Promise<FileDescriptorSet>;
  /**
   * The stored events among `ids` (at most 1,000), in position order; ids that are
   * not stored are left out. E.g. to find out whether a command whose events carry
   * deterministic ids was already recorded.
   */
  getEvents(ids: readonly string[], options?: { signal?: AbortSignal }): Promise<ResolvedEvent[]>;
  /** The generated Connect client, for calls this wrapper does not cover. */
  readonly raw: Client<typeof EventStore>;
  /** Closes the client's connection (Node: its HTTP/2 session; browsers: nothing to close). */
  close(): void;
}

/** A read's inclusive start on the wire: `start`, `end`, or an exact revision / position. */
function wireFrom<Exact extends "revision" | "position">(from: "start" | "end" | bigint | number | undefined, exact: Exact) {
  if (from === undefined) return { case: undefined };
  if (from === "start" || from === "end") return { case: from, value: {} };
  return { case: exact, value: BigInt(from) };
}

function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp === undefined ? undefined : new Date(timestampMs(timestamp));
}

function streamSummaryOf(summary: { stream: string; lastRevision: bigint; lastPosition: bigint; eventCount: bigint; lastRecordedAt?: Timestamp }): StreamSummary {
  return {
    stream: summary.stream,
    lastRevision: summary.lastRevision,
    lastPosition: summary.lastPosition,
    eventCount: summary.eventCount,
    lastRecordedAt: dateOf(summary.lastRecordedAt),
  };
}

/** The request of ReadStream and of ReadStreamPage (the same fields). */
function readStreamRequest(stream: string, options: ReadStreamOptions) {
  return { stream, direction: wireDirection(options.direction), from: wireFrom(options.fromRevision, "revision"), maxCount: BigInt(options.maxCount ?? 0) };
}

function wireDirection(direction: "forwards" | "backwards" | undefined): Direction {
  return direction === "backwards" ? Direction.BACKWARDS : Direction.FORWARDS;
}

/**
 * A controller that aborts with `signal`. Once it aborts itself, or once `release` says
 * its call ended, it stops listening to `signal`: a long-lived caller's signal does not
 * collect listeners. Releasing costs less than aborting (no abort reason to build).
 */
function linkedAbort(signal: AbortSignal | undefined): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  if (signal === undefined || signal.aborted) return { controller, release: () => undefined };
  const follow = () => controller.abort(signal.reason);
  const release = () => signal.removeEventListener("abort", follow);
  signal.addEventListener("abort", follow, { once: true });
  controller.signal.addEventListener("abort", release, { once: true });
  return { controller, release };
}

/**
 * Runs a server-streaming call and yields its events one by one. Leaving the loop
 * early (break, return, throw) cancels the call on the server.
 */
async function* flatten(
  call: (signal: AbortSignal) => AsyncIterable<{ events: Uint8Array[] }>,
  signal: AbortSignal | undefined,
  registry: Registry | undefined,
): AsyncGenerator<ResolvedEvent> {
  const { controller, release } = linkedAbort(signal);
  let ended = false;
  try {
    for await (const response of call(controller.signal)) {
      for (const event of decodeEvents(response.events, registry)) yield event;
    }
    ended = true;
  } catch (error) {
    throw fromCallError(error);
  } finally {
    // A call that ended on its own has nothing left to cancel: it only lets go of the caller's signal.
    if (ended) release();
    else controller.abort();
  }
}

/** The server's address, or a clear error when neither it nor a transport was given. */
/** The interceptors of the transport the client builds: the bearer token's first, then the caller's. */
export function transportInterceptors(options: ClientOptions): Interceptor[] {
  const { token } = options;
  if (token === undefined || token === "") return options.interceptors ?? [];
  const bearer: Interceptor = (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  return [bearer, ...(options.interceptors ?? [])];
}

export function requireBaseUrl(options: ClientOptions): string {
  if (options.baseUrl === undefined || options.baseUrl === "") {
    throw new TypeError("createAnnalsClient: give baseUrl (e.g. http://127.0.0.1:50051) or a transport");
  }
  return options.baseUrl;
}

/**
 * The client over a Connect transport: the same on every platform. `close`
 * releases what the platform's factory opened for it (nothing for a caller's transport).
 */
export function createClientOn(transport: Transport, registry: Registry | undefined, close: () => void): AnnalsClient {
  const client = createClient(EventStore, transport);
  // The streaming calls, with events left encoded for `decodeEvent`.
  const views = createClient(EventStoreViews, transport);

  return {
    raw: client,
    ...createLifecycleCalls(client),

    async appendToStream(stream, events, appendOptions = {}) {
      try {
        const response = await client.append(
          { stream, events: events.map((event) => toWireEvent(event, registry)), expectedRevision: toWireExpected(appendOptions.expectedRevision) },
          { signal: appendOptions.signal },
        );
        return { revision: response.revision, position: response.position, recordedAt: new Date(response.recordedAt ? timestampMs(response.recordedAt) : 0) };
      } catch (error) {
        throw fromCallError(error);
      }
    },

    readStream(stream, readOptions = {}) {
      return flatten((signal) => views.readStream(readStreamRequest(stream, readOptions), { signal }), readOptions.signal, registry);
    },

    async readStreamPage(stream, pageOptions = {}) {
      try {
        const response = await views.readStreamPage(readStreamRequest(stream, pageOptions), { signal: pageOptions.signal });
        return { events: decodeEvents(response.events, registry), nextRevision: response.nextRevision };
      } catch (error) {
        throw fromCallError(error);
      }
    },

    readAll(readOptions = {}) {
      const from = readOptions.fromPosition;
      return flatten(
        (signal) =>
          views.readAll(
            {
              direction: wireDirection(readOptions.direction),
              from: wireFrom(from, "position"),
              maxCount: BigInt(readOptions.maxCount ?? 0),
            },
            { signal },
          ),
        readOptions.signal,
        registry,
      );
    },

    async getStream(stream, callOptions = {}) {
      try {
        const response = await client.getStream({ stream }, { signal: callOptions.signal });
        return response.exists ? { lastRevision: response.lastRevision, lastPosition: response.lastPosition } : undefined;
      } catch (error) {
        throw fromCallError(error);
      }
    },

    async *listStreams(listOptions = {}) {
      let pageToken = "";
      do {
        let response;
        try {
          response = await client.listStreams(
            { prefix: listOptions.prefix ?? "", pageSize: listOptions.pageSize ?? 100, pageToken },
            { signal: listOptions.signal },
          );
        } catch (error) {
          throw fromCallError(error);
        }
        for (const summary of response.streams) yield streamSummaryOf(summary);
        pageToken = response.nextPageToken;
      } while (pageToken !== "");
    },

    async listStreamsPage(pageOptions = {}) {
      try {
        const response = await client.listStreams(
          { prefix: pageOptions.prefix ?? "", pageSize: pageOptions.pageSize ?? 100, pageToken: pageOptions.pageToken ?? "" },
          { signal: pageOptions.signal },
        );
        return { streams: response.streams.map(streamSummaryOf), nextPageToken: response.nextPageToken || undefined };
      } catch (error) {
        throw fromCallError(error);
      }
    },

    subscribe(subscribeOptions) {
      return createSubscription(views, registry, subscribeOptions, async (signal) => {
        if (subscribeOptions.stream !== undefined) {
          const state = await client.getStream({ stream: subscribeOptions.stream }, { signal });
          return { revision: state.exists ? state.lastRevision : undefined };
        }
        for await (const page of views.readAll({ direction: Direction.BACKWARDS, maxCount: 1n }, { signal })) {
          const [last] = decodeEvents(page.events, undefined);
          if (last) return { position: last.position };
        }
        return { position: 0n };
      });
    },

    async setCheckpoint(name, position, callOptions = {}) {
      try {
        const expectedPosition = callOptions.expectedPosition === undefined ? undefined : BigInt(callOptions.expectedPosition);
        await client.setCheckpoint({ name, position: BigInt(position), expectedPosition }, { signal: callOptions.signal });
      } catch (error) {
        throw fromCallError(error);
      }
    },

    async getCheckpoint(name, callOptions = {}) {
      try {
        const response = await client.getCheckpoint({ name }, { signal: callOptions.signal });
        if (!response.exists) return undefined;
        return { position: response.position, updatedAt: new Date(response.updatedAt ? timestampMs(response.updatedAt) : 0) };
      } catch (error) {
        throw fromCallError(error);
      }
    },

    async listCheckpoints(pageOptions = {}) {
      try {
        const response = await client.listCheckpoints(
          { prefix: pageOptions.prefix ?? "", pageSize: pageOptions.pageSize ?? 100, pageToken: pageOptions.pageToken ?? "" },
          { signal: pageOptions.signal },
        );
        return {
          checkpoints: response.checkpoints.map((checkpoint) => ({
            name: checkpoint.name,
            position: checkpoint.position,
            updatedAt: dateOf(checkpoint.updatedAt) ?? new Date(0),
          })),
          nextPageToken: response.nextPageToken || undefined,
          headPosition: response.headPosition,
        };
      } catch (error) {
        throw fromCallError(error);
      }
    },

    async getSchemas(callOptions = {}) {
      try {
        const response = await client.getSchemas({}, { signal: callOptions.signal });
        return fromBinary(FileDescriptorSetSchema, response.fileDescriptorSet);
      } catch (error) {
        throw fromCallError(error);
      }
    },

    async getEvents(ids, callOptions = {}) {
      try {
        const response = await views.getEvents({ ids: [...ids] }, { signal: callOptions.signal });
        return decodeEvents(response.events, registry);
      } catch (error) {
        throw fromCallError(error);
      }
    },

    close,
  };
}
