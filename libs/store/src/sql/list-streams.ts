import type { Knex } from "knex";
import type { StreamInfo } from "../event-store.js";

/**
 * Streams in ascending name order, from the `streams` table. `after` pages by key
 * (the last name of the previous page), so that pages stay stable while streams
 * are added. The prefix compares code points exactly, whatever the collation.
 */
export async function listStreams(db: Knex, prefix: string, after: string | undefined, limit: number): Promise<StreamInfo[]> {
  const query = db("streams").select("stream", "last_revision", "last_position").orderBy("stream", "asc").limit(limit);
  if (prefix.length > 0) query.whereRaw("substr(stream, 1, ?) = ?", [[...prefix].length, prefix]);
  if (after !== undefined) query.where("stream", ">", after);
  const rows: Array<{ stream: string; last_revision: number | string; last_position: number | string }> = await query;
  return rows.map((row) => ({ stream: row.stream, lastRevision: Number(row.last_revision), lastPosition: Number(row.last_position) }));
}
