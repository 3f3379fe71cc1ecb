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
 * The single writer (group commit): while one transaction runs, new appends
 * queue; the next transaction takes every append waiting at that moment. Each
 * caller is answered only after the transaction holding its events committed.
 */
export function createWriteQueue(dialect: Dialect, options: WriteQueueOptions): WriteQueue {
  const maxBatchEvents = options.maxBatchEvents ?? 20_000;
  const queue: Pending[] = [];
  let running: Promise<void> | undefined;
  let closed = false;
  let lastRecordedAt = 0;

  function takeBatch(): Pending[] {
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

  async function commitBatch(batch: Pending[]): Promise<void> {
    // Commit times never go backwards, so "as of a time" reads stay consistent.
    const recordedAt = Math.max(Date.now(), lastRecordedAt);
    let outcome;
    try {
      const commands = batch.map((pending) => pending.command);
      outcome = dialect.commitAppends
        ? await dialect.commitAppends(commands, recordedAt)
        : await dialect.writeTransaction(async (trx) => {
            const result = await dialect.appendBatch(trx, commands, recordedAt);
            const last = result.recorded[result.recorded.length - 1];
            if (last && dialect.commitChannel) await dialect.commitChannel.announce(trx, last.position);
            return result;
          });
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

  async function run(): Promise<void> {
    // The first append of a burst waits one turn too, so that the requests already
    // decoded behind it join its transaction instead of the next one.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      await commitBatch(takeBatch());
      // Let the callers just answered, and requests waiting on the network, queue
      // again before the next batch is taken: steady, full transactions.
      await new Promise((resolve) => setImmediate(resolve));
    }
    running = undefined;
  }

  return {
    append(command) {
      if (closed) return Promise.reject(new StoreUnavailableError("the store is closing"));
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ command, resolve, reject });
        running ??= run();
      });
    },
    async drain() {
      closed = true;
      while (running) await running;
    },
    get depth() {
      return queue.length;
    },
  };
}
