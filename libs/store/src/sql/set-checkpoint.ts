import type { Knex } from "knex";
import { WrongExpectedCheckpointError } from "../errors.js";
import type { Checkpoint } from "../event-store.js";

/**
 * Creates or moves a named checkpoint; with `expected`, only when it is at that
 * position now (a checkpoint never set counts as 0). Runs in a write transaction,
 * so the comparison and the write see the same row.
 */
export async function setCheckpoint(trx: Knex, name: string, position: number, now: number, expected: number | undefined): Promise<Checkpoint> {
  if (expected !== undefined) {
    const row: { position: number | string } | undefined = await trx("checkpoints").select("position").where("name", name).first();
    const actual = row === undefined ? 0 : Number(row.position);
    if (actual !== expected) throw new WrongExpectedCheckpointError(name, expected, actual);
  }
  await trx("checkpoints").insert({ name, position, updated_at: now }).onConflict("name").merge(["position", "updated_at"]);
  return { name, position, updatedAt: now };
}
