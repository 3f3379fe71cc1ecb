import type { Knex } from "knex";

/** Creates or moves a named checkpoint. */
export async function setCheckpoint(db: Knex, name: string, position: number, now: number): Promise<void> {
  await db("checkpoints").insert({ name, position, updated_at: now }).onConflict("name").merge(["position", "updated_at"]);
}
