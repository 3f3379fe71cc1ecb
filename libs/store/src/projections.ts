import type { Knex } from "knex";
import type { Dialect } from "./dialect/dialect.js";
import { InvalidInputError } from "./errors.js";
import type { RecordedEvent } from "./event-store.js";
import { readProjectionCheckpoint, writeProjectionCheckpoint } from "./sql/projection-checkpoint.js";
import { validateRevision } from "./validation.js";

/** Writes a projection's rows for a batch of events, inside the batch's transaction. */
export type ProjectionHandler = (trx: Knex, events: readonly RecordedEvent[]) => Promise<void>;

export interface ProjectionApplyResult {
  /** False when the stored checkpoint was not the batch's start: nothing ran. */
  applied: boolean;
  /** The projection's checkpoint after the call. */
  checkpoint: number;
}

/**
 * Read models kept in the store's database, each with a checkpoint (the
 * position in `$all` it has processed up to) written in the same transaction
 * as its rows: a crash leaves both before or both after a batch, so a
 * projection never counts an event twice nor skips one.
 */
export interface ProjectionStore {
  /** `sqlite` or `postgres`, for the few statements that differ. */
  readonly kind: Dialect["kind"];
  /** The position `name` has processed up to; 0 when it has processed nothing. */
  checkpoint(name: string): Promise<number>;
  /**
   * Hands `events`, every event of `$all` after position `after` in order, to
   * `handler` in one write transaction, and moves the checkpoint to the last
   * event's position in that same transaction. When the stored checkpoint is
   * not `after` (another process got there first, or the projection was
   * reset), nothing runs and the result tells where the checkpoint is.
   */
  apply(name: string, after: number, events: readonly RecordedEvent[], handler: ProjectionHandler): Promise<ProjectionApplyResult>;
  /** Runs `work` (e.g. emptying the projection's tables) and sets the checkpoint to 0, in one write transaction. */
  reset(name: string, work: (trx: Knex) => Promise<void>): Promise<void>;
  /** Runs `work` in a write transaction, e.g. to create the projection's tables when missing. */
  write<T>(work: (trx: Knex) => Promise<T>): Promise<T>;
  /** Runs `query` on the connections that serve reads (committed data only). */
  read<T>(query: (db: Knex) => Promise<T>): Promise<T>;
}

function validateName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.length > 256) throw new InvalidInputError("name", "must be 1..256 characters");
  return name;
}

export function createProjectionStore(dialect: Dialect, guard: <T>(run: () => Promise<T>) => Promise<T>): ProjectionStore {
  return {
    kind: dialect.kind,

    async checkpoint(name) {
      validateName(name);
      return guard(() => readProjectionCheckpoint(dialect.reader, name));
    },

    async apply(name, after, events, handler) {
      validateName(name);
      validateRevision(after, "after");
      const last = events[events.length - 1];
      if (last === undefined) throw new InvalidInputError("events", "a batch needs at least one event");
      if (events.some((event, index) => event.position <= (index === 0 ? after : events[index - 1]!.position))) {
        throw new InvalidInputError("events", "must come after `after` in increasing position order");
      }
      return guard(() =>
        dialect.writeTransaction(async (trx) => {
          const stored = await readProjectionCheckpoint(trx, name);
          if (stored !== after) return { applied: false, checkpoint: stored };
          await handler(trx, events);
          await writeProjectionCheckpoint(trx, name, last.position, Date.now());
          return { applied: true, checkpoint: last.position };
        }),
      );
    },

    async reset(name, work) {
      validateName(name);
      return guard(() =>
        dialect.writeTransaction(async (trx) => {
          await work(trx);
          await writeProjectionCheckpoint(trx, name, 0, Date.now());
        }),
      );
    },

    write(work) {
      return guard(() => dialect.writeTransaction(work));
    },

    read(query) {
      return guard(() => query(dialect.reader));
    },
  };
}
