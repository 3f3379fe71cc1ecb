import type { Dialect } from "./dialect/dialect.js";
import type { AppendListener, EventStore, ReadAllOptions, ReadStreamOptions, RecordedEvent } from "./event-store.js";
import { defaultLimits, type StoreLimits } from "./limits.js";
import { migrateToLatest } from "./migrations/index.js";
import { readAllPage } from "./sql/read-all.js";
import { readStreamPage } from "./sql/read-stream.js";
import { getStream } from "./sql/get-stream.js";
import { headPosition } from "./sql/head-position.js";
import { validateEvents, validateExpectedRevision, validateRevision, validateStreamName } from "./validation.js";
import { createWriteQueue } from "./write-queue.js";
import { StoreUnavailableError } from "./errors.js";

export interface KnexEventStoreOptions {
  dialect: Dialect;
  /** Bounds on appends. Default `defaultLimits`. */
  limits?: Partial<StoreLimits>;
  /** Events per page when reading. Default 1,000. */
  pageSize?: number;
  /** Most events gathered into one transaction. Default 20,000. */
  maxBatchEvents?: number;
}

/** Runs `read` and turns a lost database into `StoreUnavailableError`. */
async function guard<T>(dialect: Dialect, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (dialect.isUnavailable(error)) throw new StoreUnavailableError(`database unavailable: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

/** The SQL event store on any knex dialect. Runs the migrations before it answers. */
export async function createKnexEventStore(options: KnexEventStoreOptions): Promise<EventStore> {
  const { dialect } = options;
  const limits: StoreLimits = { ...defaultLimits, ...options.limits };
  const pageSize = options.pageSize ?? 1_000;
  const listeners = new Set<AppendListener>();
  await migrateToLatest(dialect);

  const writes = createWriteQueue(dialect, {
    maxBatchEvents: options.maxBatchEvents,
    onCommit(recorded) {
      for (const listener of listeners) {
        try {
          listener(recorded);
        } catch {
          // A listener's failure is its own; the commit stands.
        }
      }
    },
  });

  async function* pages(first: number, step: (from: number) => Promise<RecordedEvent[]>, next: (last: RecordedEvent) => number, maxCount: number) {
    let from = first;
    let remaining = maxCount;
    while (remaining > 0) {
      const page = await guard(dialect, () => step(from));
      if (page.length === 0) return;
      const take = page.length > remaining ? page.slice(0, remaining) : page;
      remaining -= take.length;
      yield take;
      if (page.length < pageSize) return;
      from = next(page[page.length - 1]!);
      if (from < 0) return;
    }
  }

  return {
    backend: dialect.name,

    async appendToStream(stream, events, appendOptions) {
      const command = {
        stream: validateStreamName(stream, limits),
        events: validateEvents(events, limits),
        expected: validateExpectedRevision(appendOptions?.expectedRevision ?? "any"),
      };
      return writes.append(command);
    },

    readStream(stream: string, readOptions: ReadStreamOptions = {}) {
      validateStreamName(stream, limits);
      const direction = readOptions.direction ?? "forwards";
      const forwards = direction === "forwards";
      const from = readOptions.from ?? (forwards ? "start" : "end");
      const first = from === "start" ? 0 : from === "end" ? Number.MAX_SAFE_INTEGER : validateRevision(from, "fromRevision");
      const maxCount = readOptions.maxCount && readOptions.maxCount > 0 ? readOptions.maxCount : Infinity;
      return pages(
        first,
        (revision) => readStreamPage(dialect.reader, stream, revision, direction, Math.min(pageSize, maxCount)),
        (last) => (forwards ? last.revision + 1 : last.revision - 1),
        maxCount,
      );
    },

    readAll(readOptions: ReadAllOptions = {}) {
      const direction = readOptions.direction ?? "forwards";
      const forwards = direction === "forwards";
      const from = readOptions.from ?? (forwards ? "start" : "end");
      const first = from === "start" ? 0 : from === "end" ? Number.MAX_SAFE_INTEGER : validateRevision(from, "fromPosition");
      const maxCount = readOptions.maxCount && readOptions.maxCount > 0 ? readOptions.maxCount : Infinity;
      return pages(
        first,
        (position) => readAllPage(dialect.reader, position, direction, Math.min(pageSize, maxCount)),
        (last) => (forwards ? last.position + 1 : last.position - 1),
        maxCount,
      );
    },

    getStream(stream) {
      validateStreamName(stream, limits);
      return guard(dialect, () => getStream(dialect.reader, stream));
    },

    headPosition() {
      return guard(dialect, () => headPosition(dialect.reader));
    },

    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      await writes.drain();
      listeners.clear();
      await dialect.close();
    },
  };
}
