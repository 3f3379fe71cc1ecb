import type { Knex } from "knex";

/** The position a projection has processed up to; 0 when it has none. */
export async function readProjectionCheckpoint(db: Knex, name: string): Promise<number> {
  const row: { position: number | string } | undefined = await db("projection_checkpoints").select("position").where("name", name).first();
  return Number(row?.position ?? 0);
}

/** Sets a projection's checkpoint. Runs in the transaction that writes the projection's rows. */
export async function writeProjectionCheckpoint(trx: Knex, name: string, position: number, now: number): Promise<void> {
  await trx("projection_checkpoints").insert({ name, position, updated_at: now }).onConflict("name").merge(["position", "updated_at"]);
}
