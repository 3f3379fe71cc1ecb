import { StoreUnavailableError, type StoreError } from "./errors.js";
import { toStoreError } from "./dialect/store-errors.js";
import type { AppendResult, RecordedEvent } from "./event-store.js";
import type { Dialect } from "./dialect/dialect.js";
import type { AppendCommand } from "./sql/append-plan.js";

export interface WriteQueueOptions {
  /** Most events gathered into one transaction. Default 20,000. */
  maxBatchEvents?: number;
  /** Called with what each transaction made durable, after it committed. */
  onCommit(recorded: readonly RecordedEvent[], hidden: boolean): void;
}

interface Pending {
  command: AppendCommand;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface WriteQueue {
  append(command: AppendCommand): Promise<AppendResult>;
  /** Refuses new appends and waits until the queued ones are answered. */
  drain(): Promise<void>;
  /** Appends waiting or in flight. */
  readonly depth: number;
}

/**
 * The group commit: while a transaction runs, new appends queue; the next
 * transaction takes every append waiting at that moment. Each caller is answered
 * only after the transaction holding its events committed. With
 * `Dialect.concurrentWriters` above 1 (PostgreSQL's `xid` ordering) that many
 * transactions run at once; a stream in flight in one is left out of the others until
 * it commits, so appends to one stream keep their order and never collide here.
 */
export function createWriteQueue(dialect: Dialect, options: WriteQueueOptions): WriteQueue {
  const maxBatchEvents = options.maxBatchEvents ?? 20_000;
  const writers = Math.max(1, dialect.concurrentWriters ?? 1);
  const queue: Pending[] = [];
  /** Streams with an append in a running transaction (only tracked with more than one writer). */
  const inFlight = new Map<string, number>();
  let active = 0;
  let scheduled = false;
  let idle: (() => void) | undefined;
  let closed = false;
  let lastRecordedAt = 0;

  function takeBatch(): Pending[] {
    if (writers === 1) {
      let events = 0;
      let count = 0;
      while (count < queue.length) {
        const size = queue[count]!.command.events.length;
        if (count > 0 && events + size > maxBatchEvents) break;
        events += size;
        count += 1;
      }
      return queue.splice(0, count);
    }
    const batch: Pending[] = [];
    const left: Pending[] = [];
    let events = 0;
    for (const pending of queue) {
      const size = pending.command.events.length;
      if (inFlight.has(pending.command.stream) || (batch.length > 0 && events + size > maxBatchEvents)) left.push(pending);
      else {
        batch.push(pending);
        events += size;
      }
    }
    queue.splice(0, queue.length, ...left);
    for (const pending of batch) inFlight.set(pending.command.stream, (inFlight.get(pending.command.stream) ?? 0) + 1);
    return batch;
  }

  function settled(batch: readonly Pending[]): void {
    if (writers === 1) return;
    for (const pending of batch) {
      const stream = pending.command.stream;
      const count = inFlight.get(stream)! - 1;
      if (count === 0) inFlight.delete(stream);
      else inFlight.set(stream, count);
    }
  }

  async function commitBatch(batch: Pending[]): Promise<void> {
    // Commit times never go backwards, so "as of a time" reads stay consistent.
    const recordedAt = Math.max(Date.now(), lastRecordedAt);
    let outcome;
    try {
      const commands = batch.map((pending) => pending.command);
      outcome = await dialect.commitAppends(commands, recordedAt);
    } catch (error) {
      const failure = toStoreError(dialect, error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    lastRecordedAt = outcome.recordedAt;
    if (outcome.recorded.length > 0) options.onCommit(outcome.recorded, outcome.hidden === true);
    outcome.results.forEach((result, index) => {
      const pending = batch[index]!;
      if (result instanceof Error) pending.reject(result as StoreError);
      else pending.resolve(result);
    });
  }

  function pump(): void {
    while (active < writers && queue.length > 0) {
      const batch = takeBatch();
      if (batch.length === 0) return;
      active += 1;
      void commitBatch(batch).finally(() => {
        settled(batch);
        active -= 1;
        schedule();
      });
    }
    if (active === 0 && queue.length === 0) idle?.();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // The first append of a burst waits one turn too, so that the requests already
    // decoded behind it join its transaction instead of the next one; after a commit,
    // the callers just answered and requests waiting on the network queue again
    // before the next batch is taken: steady, full transactions.
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  }

  return {
    append(command) {
      if (closed) return Promise.reject(new StoreUnavailableError("the store is closing"));
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ command, resolve, reject });
        schedule();
      });
    },
    async drain() {
      closed = true;
      if (active === 0 && queue.length === 0) return;
      await new Promise<void>((resolve) => {
        idle = resolve;
      });
    },
    get depth() {
      return queue.length;
    },
  };
}
