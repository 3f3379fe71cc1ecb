import type { Knex } from "knex";
import type { StreamSummary } from "../event-store.js";

/**
 * Streams in ascending name order, from the `streams` table, with the commit time
 * of each one's last event (the event at `last_position`, by primary key).
 * `after` pages by key (the last name of the previous page), so that pages stay
 * stable while streams are added. The prefix compares code points exactly,
 * whatever the collation.
 */
export async function listStreams(db: Knex, prefix: string, after: string | undefined, limit: number): Promise<StreamSummary[]> {
  const query = db("streams as s")
    .leftJoin("events as e", "e.position", "s.last_position")
    .select("s.stream", "s.last_revision", "s.last_position", "e.recorded_at")
    .orderBy("s.stream", "asc")
    .limit(limit);
  if (prefix.length > 0) query.whereRaw("substr(s.stream, 1, ?) = ?", [[...prefix].length, prefix]);
  if (after !== undefined) query.where("s.stream", ">", after);
  const rows: Array<{ stream: string; last_revision: number | string; last_position: number | string; recorded_at: number | string | null }> = await query;
  return rows.map((row) => ({
    stream: row.stream,
    lastRevision: Number(row.last_revision),
    lastPosition: Number(row.last_position),
    lastRecordedAt: Number(row.recorded_at ?? 0),
  }));
}
