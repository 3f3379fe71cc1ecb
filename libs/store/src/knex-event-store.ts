import type { Knex } from "knex";
import type { Dialect } from "./dialect/dialect.js";
import type { EventStore, PoolStats, ReadAllOptions, ReadStreamOptions, RecordedEvent } from "./event-store.js";
import { defaultLimits, type StoreLimits } from "./limits.js";
import { migrateToLatest } from "./migrations/index.js";
import { readAllPage } from "./sql/read-all.js";
import { readStreamPage } from "./sql/read-stream.js";
import { getStream } from "./sql/get-stream.js";
import { headPosition } from "./sql/head-position.js";
import { listStreams } from "./sql/list-streams.js";
import { getEvents } from "./sql/get-events.js";
import { readPositionRange, readStreamAfter, streamRevisionAt } from "./sql/read-subscription-page.js";
import { getCheckpoint } from "./sql/get-checkpoint.js";
import { listCheckpoints } from "./sql/list-checkpoints.js";
import { setCheckpoint } from "./sql/set-checkpoint.js";
import { setStreamMetadata } from "./sql/set-stream-metadata.js";
import { deleteStream } from "./sql/delete-stream.js";
import { scavengeBatch } from "./sql/scavenge-batch.js";
import { isTombstoned, readStreamMetadataRow, streamHeadRevision, toStreamMetadataRecord } from "./sql/stream-metadata.js";
import { StreamTombstonedError } from "./errors.js";
import { createSubjectCipher } from "./crypto/subject-cipher.js";
import { createCommitNotifier } from "./subscriptions/commit-notifier.js";
import { createSettleWatcher } from "./subscriptions/settle-watcher.js";
import { createSubscription, createSubscriptionGauge, type SubscriptionMessage, type SubscriptionSource } from "./subscriptions/subscription.js";
import {
  validateCheckpointName,
  validateEventId,
  validateEvents,
  validateExpectedRevision,
  validateRevision,
  validateStreamMetadata,
  validateStreamName,
  validateText,
} from "./validation.js";
import { createWriteQueue } from "./write-queue.js";
import { toStoreError } from "./dialect/store-errors.js";
import type { EventPage, PageReader } from "./sql/select-events.js";

/** Most bytes of event data in one page read, by default. */
export const defaultMaxPageBytes = 8 * 1024 * 1024;
import { InvalidInputError, LimitExceededError } from "./errors.js";

export interface KnexEventStoreOptions {
  dialect: Dialect;
  /** Bounds on appends. Default `defaultLimits`. */
  limits?: Partial<StoreLimits>;
  /** Events per page when reading. Default 1,000. */
  pageSize?: number;
  /**
   * Most bytes of event data per page when reading (a page holds at least one event,
   * whatever its size). Default 8 MiB: large events never make a page, its memory or a
   * SQLite value unbounded.
   */
  maxPageBytes?: number;
  /** Most events gathered into one transaction. Default 20,000. */
  maxBatchEvents?: number;
  /**
   * 32 bytes: the key that wraps each data subject's key (AES-256-GCM). Without it,
   * an event naming a data subject (`dataSubjectKey`) is refused.
   */
  masterKey?: Uint8Array;
}

/** Runs `read` and turns a lost or full database into the store's errors (`toStoreError`). */
async function guard<T>(dialect: Dialect, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw toStoreError(dialect, error);
  }
}

/** Most streams `listStreams` (and checkpoints `listCheckpoints`) answers at once. */
const maxListStreamsLimit = 1_000;

function validateListLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxListStreamsLimit) {
    throw new InvalidInputError("limit", `must be an integer from 1 to ${maxListStreamsLimit}`);
  }
  return limit;
}

/** Most ids `getEvents` looks up at once. */
export const maxEventIdsPerLookup = 1_000;

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}

function poolStatsOf(pool: string, db: Knex): PoolStats {
  const tarn = (db.client as { pool?: TarnPool }).pool;
  if (!tarn) return { pool, used: 0, free: 0, pending: 0, max: 0 };
  return { pool, used: tarn.numUsed(), free: tarn.numFree(), pending: tarn.numPendingAcquires(), max: tarn.max };
}

/** The SQL event store on any knex dialect. Runs the migrations before it answers. */
export async function createKnexEventStore(options: KnexEventStoreOptions): Promise<EventStore> {
  const { dialect } = options;
  const limits: StoreLimits = { ...defaultLimits, ...options.limits };
  const pageSize = options.pageSize ?? 1_000;
  const pages: PageReader = { ...dialect.pages, maxBytes: options.maxPageBytes ?? defaultMaxPageBytes };
  const notifier = createCommitNotifier();
  const subscriptions = createSubscriptionGauge();
  const closing = new AbortController();
  await guard(dialect, () => migrateToLatest(dialect));
  const cipher = createSubjectCipher(dialect, options.masterKey);
  const settling = dialect.committedPrefix
    ? createSettleWatcher({
        readHead: () => headPosition(dialect.reader, dialect.committedPrefix),
        wake: (head) => notifier.wake(head),
        listening: () => notifier.size > 0,
      })
    : undefined;

  // Commits by other processes on the same database (PostgreSQL) wake subscriptions,
  // which then read the new events from the database.
  const stopListening = dialect.commitChannel
    ? await guard(dialect, () =>
        dialect.commitChannel!.listen(
          (position) => {
            notifier.wake(position);
            settling?.committed(position);
          },
          () => {
            headPosition(dialect.reader, dialect.committedPrefix).then(
              (head) => notifier.wake(head),
              () => undefined,
            );
          },
        ),
      )
    : undefined;

  const writes = createWriteQueue(dialect, {
    maxBatchEvents: options.maxBatchEvents,
    onCommit(recorded, hidden) {
      // Events hidden from the start (a stream truncated ahead of its head) are not
      // pushed live: subscribers read that stretch from the database, which leaves them out.
      if (hidden) notifier.wake(recorded[recorded.length - 1]!.position);
      else notifier.publish(recorded);
      settling?.committed(recorded[recorded.length - 1]!.position);
    },
  });

  const subscriptionSource: SubscriptionSource = {
    pageSize,
    notifier,
    closed: closing.signal,
    headPosition: () => guard(dialect, () => headPosition(dialect.reader, dialect.committedPrefix)),
    readPositionRange: (selector, after, upTo, limit) => guard(dialect, () => readPositionRange(pages, selector, after, upTo, limit, Date.now())),
    readStreamAfter: (selector, revision, upTo, limit) => guard(dialect, () => readStreamAfter(pages, selector, revision, upTo, limit, Date.now())),
    streamRevisionAt: (stream, upTo) => guard(dialect, () => streamRevisionAt(dialect.reader, stream, upTo)),
  };

  async function* paged(first: number, step: (from: number, limit: number) => Promise<EventPage>, next: (last: RecordedEvent) => number, maxCount: number) {
    let from = first;
    let remaining = maxCount;
    while (remaining > 0) {
      const page = await guard(dialect, () => step(from, Math.min(pageSize, remaining)));
      const last = page.events[page.events.length - 1];
      if (last === undefined) return;
      remaining -= page.events.length;
      yield await guard(dialect, () => cipher.reveal(page.events));
      if (!page.more) return;
      from = next(last);
      if (from < 0) return;
    }
  }

  return {
    backend: dialect.name,
    limits,

    async appendToStream(stream, events, appendOptions) {
      const valid = {
        stream: validateStreamName(stream, limits),
        events: validateEvents(events, limits),
        expected: validateExpectedRevision(appendOptions?.expectedRevision ?? "any"),
      };
      const command = { ...valid, events: await guard(dialect, () => cipher.sealEvents(valid.events)) };
      return writes.append(command);
    },

    readStream(stream: string, readOptions: ReadStreamOptions = {}) {
      validateStreamName(stream, limits);
      const direction = readOptions.direction ?? "forwards";
      const forwards = direction === "forwards";
      const from = readOptions.from ?? (forwards ? "start" : "end");
      const first = from === "start" ? 0 : from === "end" ? Number.MAX_SAFE_INTEGER : validateRevision(from, "fromRevision");
      const maxCount = readOptions.maxCount && readOptions.maxCount > 0 ? readOptions.maxCount : Infinity;
      let firstPage = true;
      return paged(
        first,
        async (revision, limit) => {
          const page = await readStreamPage(pages, stream, revision, direction, limit, Date.now());
          // A tombstone hides every event: only an empty first page may mean one. Read
          // after the page, it still answers for that moment, a tombstone being for ever.
          if (firstPage && page.events.length === 0 && (await isTombstoned(pages, stream))) throw new StreamTombstonedError(stream, "read");
          firstPage = false;
          return page;
        },
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
      return paged(
        first,
        (position, limit) => readAllPage(pages, position, direction, limit, Date.now()),
        (last) => (forwards ? last.position + 1 : last.position - 1),
        maxCount,
      );
    },

    async getStream(stream) {
      validateStreamName(stream, limits);
      return guard(dialect, () => getStream(pages, stream, Date.now()));
    },

    async listStreams(listOptions = {}) {
      const prefix = validateText(listOptions.prefix ?? "", "prefix", 0, limits.maxStreamNameLength);
      if (listOptions.after !== undefined) validateStreamName(listOptions.after, limits, "after");
      const limit = validateListLimit(listOptions.limit ?? 100);
      return guard(dialect, () => listStreams(dialect.reader, prefix, listOptions.after, limit));
    },

    headPosition() {
      return guard(dialect, () => headPosition(dialect.reader, dialect.committedPrefix));
    },

    async checkHealth() {
      await guard(dialect, async () => {
        dialect.verify();
        await headPosition(dialect.reader, dialect.committedPrefix);
        // The read may have found damage.
        dialect.verify();
      });
    },

    async getEvents(ids) {
      if (!Array.isArray(ids)) throw new InvalidInputError("ids", "must be an array");
      if (ids.length > maxEventIdsPerLookup) throw new LimitExceededError("ids", `${ids.length} ids exceed the limit of ${maxEventIdsPerLookup} per lookup`);
      const valid = [...new Set(ids.map((id, index) => validateEventId(id, `ids[${index}]`)))];
      if (valid.length === 0) return [];
      return guard(dialect, async () => cipher.reveal(await getEvents(pages, valid, limits.maxAppendBytes, Date.now())));
    },

    poolStats() {
      if (dialect.reader === dialect.writer) return [poolStatsOf("main", dialect.reader)];
      return [poolStatsOf("reader", dialect.reader), poolStatsOf("writer", dialect.writer)];
    },

    onAppend(listener) {
      return notifier.listen((notice) => {
        if (notice.events !== undefined) listener(notice.events);
      });
    },

    subscribe(subscribeOptions) {
      const subscription = createSubscription(subscriptionSource, subscriptions, subscribeOptions);
      const inner = subscription[Symbol.asyncIterator]();
      // Not a generator: its return() must end the subscription even while a next() waits.
      const iterator: AsyncIterator<SubscriptionMessage> = {
        async next() {
          const result = await inner.next();
          if (result.done || result.value.kind !== "events") return result;
          const message = result.value;
          // The same message when nothing was sealed: every subscriber of one commit keeps sharing its array.
          const events = await guard(dialect, () => cipher.reveal(message.events));
          return { done: false, value: events === message.events ? message : { ...message, events } };
        },
        return: () => inner.return!(),
      };
      return { [Symbol.asyncIterator]: () => iterator, close: () => subscription.close() };
    },

    async setCheckpoint(name, position, checkpointOptions = {}) {
      validateCheckpointName(name);
      validateRevision(position, "position");
      const expected = checkpointOptions.expectedPosition === undefined ? undefined : validateRevision(checkpointOptions.expectedPosition, "expectedPosition");
      return guard(dialect, () => dialect.writeTransaction((trx) => setCheckpoint(trx, name, position, Date.now(), expected)));
    },

    async setStreamMetadata(stream, metadata, metadataOptions = {}) {
      validateStreamName(stream, limits);
      const valid = validateStreamMetadata(metadata);
      const expected =
        metadataOptions.expectedMetadataRevision === undefined ? undefined : validateRevision(metadataOptions.expectedMetadataRevision, "expected_metadata_revision");
      return guard(dialect, () => dialect.writeTransaction((trx) => setStreamMetadata(trx, stream, valid, Date.now(), expected)));
    },

    async getStreamMetadata(stream) {
      validateStreamName(stream, limits);
      return guard(dialect, async () => {
        const row = await readStreamMetadataRow(dialect.reader, stream);
        return toStreamMetadataRecord(stream, row, await streamHeadRevision(dialect.reader, stream));
      });
    },

    async deleteStream(stream, deleteOptions = {}) {
      validateStreamName(stream, limits);
      const expected = validateExpectedRevision(deleteOptions.expectedRevision ?? "any");
      const tombstone = deleteOptions.tombstone === true;
      return guard(dialect, () => dialect.writeTransaction((trx) => deleteStream(trx, stream, expected, tombstone, Date.now())));
    },

    async *scavenge(scavengeOptions = {}) {
      const batchSize = scavengeOptions.batchSize === undefined ? 1_000 : validateRevision(scavengeOptions.batchSize, "batch_size");
      if (batchSize < 1) throw new InvalidInputError("batch_size", "must be a whole number >= 1");
      const pauseMs = scavengeOptions.pauseMs === undefined ? 0 : validateRevision(scavengeOptions.pauseMs, "pause_ms");
      let removed = 0;
      while (!closing.signal.aborted && !scavengeOptions.signal?.aborted) {
        const batch = await guard(dialect, () => dialect.maintenanceTransaction((trx) => scavengeBatch(trx, batchSize, Date.now())));
        // Another store instance is scavenging this database: it carries the pass.
        if (batch === undefined) return;
        removed += batch.removed;
        yield { position: batch.position, headPosition: batch.headPosition, removed, done: batch.done };
        if (batch.done) {
          if (scavengeOptions.reclaimSpace === true && dialect.reclaimSpace) await guard(dialect, () => dialect.reclaimSpace!());
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    },

    async forgetSubject(subject) {
      validateText(subject, "subject", 1, 256);
      return guard(dialect, () => cipher.forget(subject));
    },

    async getCheckpoint(name) {
      validateCheckpointName(name);
      return guard(dialect, () => getCheckpoint(dialect.reader, name));
    },

    async listCheckpoints(listOptions = {}) {
      const prefix = validateText(listOptions.prefix ?? "", "prefix", 0, 256);
      if (listOptions.after !== undefined) validateCheckpointName(listOptions.after, "after");
      const limit = validateListLimit(listOptions.limit ?? 100);
      return guard(dialect, () => listCheckpoints(dialect.reader, prefix, listOptions.after, limit));
    },

    subscriptionStats() {
      return {
        active: subscriptions.active,
        listeners: notifier.size,
        timers: subscriptions.timers,
        reads: subscriptions.reads,
        buffered: subscriptions.buffered,
      };
    },

    async close() {
      closing.abort();
      await writes.drain();
      await stopListening?.();
      settling?.stop();
      notifier.clear();
      await dialect.close();
    },
  };
}
