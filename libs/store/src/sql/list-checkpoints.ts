import type { Knex } from "knex";
import type { Checkpoint } from "../event-store.js";

/**
 * Checkpoints in ascending name order. `after` pages by key (the last name of the
 * previous page); the prefix compares code points exactly, as `listStreams` does.
 */
export async function listCheckpoints(db: Knex, prefix: string, after: string | undefined, limit: number): Promise<Checkpoint[]> {
  const query = db("checkpoints").select("name", "position", "updated_at").orderBy("name", "asc").limit(limit);
  if (prefix.length > 0) query.whereRaw("substr(name, 1, ?) = ?", [[...prefix].length, prefix]);
  if (after !== undefined) query.where("name", ">", after);
  const rows: Array<{ name: string; position: number | string; updated_at: number | string }> = await query;
  return rows.map((row) => ({ name: row.name, position: Number(row.position), updatedAt: Number(row.updated_at) }));
}
