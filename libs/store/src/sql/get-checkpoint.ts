import type { Knex } from "knex";
import type { Checkpoint } from "../event-store.js";

export async function getCheckpoint(db: Knex, name: string): Promise<Checkpoint | undefined> {
  const row: { position: number | string; updated_at: number | string } | undefined = await db("checkpoints")
    .select("position", "updated_at")
    .where("name", name)
    .first();
  return row === undefined ? undefined : { name, position: Number(row.position), updatedAt: Number(row.updated_at) };
}
