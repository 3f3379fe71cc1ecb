import type { Knex } from "knex";
import { hiddenCondition } from "./visible-events.js";

/** The `scavenge_progress` row of the pass over the log. */
const progressName = "log";

export interface ScavengeBatchResult {
  /** Every position up to this one was examined (0 again once a pass reached the head). */
  position: number;
  /** The last position of the log when the batch ran. */
  headPosition: number;
  removed: number;
  /** The pass reached the head. */
  done: boolean;
}

/**
 * One batch of a scavenge pass, inside a transaction that no other scavenger runs
 * at the same time: from where the pass stands (kept in `scavenge_progress`), the
 * next `batchSize` positions lose the events that reads hide at `now`. The last
 * event of the log is never removed (the next append's position is read from it):
 * when hidden, only its payload and metadata are cleared.
 */
export async function scavengeBatch(trx: Knex, batchSize: number, now: number): Promise<ScavengeBatchResult> {
  const progress: { position: number | string; removed: number | string } | undefined = await trx("scavenge_progress")
    .select("position", "removed")
    .where("name", progressName)
    .first();
  const from = progress === undefined ? 0 : Number(progress.position);
  const last = (await trx("events").max({ position: "position" }).first()) as { position: number | string | null } | undefined;
  const head = last?.position === null || last === undefined ? 0 : Number(last.position);
  const upTo = Math.min(from + batchSize, head);
  let removed = 0;
  if (upTo > from) {
    removed = Number(
      await trx("events")
        .where("position", ">", from)
        .andWhere("position", "<=", upTo)
        .andWhere("position", "<", head)
        .whereRaw(`exists (${hiddenCondition})`, [now])
        .delete(),
    );
    if (upTo === head) {
      await trx("events")
        .where("position", head)
        .whereRaw(`exists (${hiddenCondition})`, [now])
        .update({ data: new Uint8Array(0), metadata: null });
    }
  }
  const done = upTo >= head;
  const position = done ? 0 : upTo;
  const total = (progress === undefined ? 0 : Number(progress.removed)) + removed;
  await trx("scavenge_progress").insert({ name: progressName, position, removed: total, updated_at: now }).onConflict("name").merge();
  return { position: done ? head : upTo, headPosition: head, removed, done };
}
