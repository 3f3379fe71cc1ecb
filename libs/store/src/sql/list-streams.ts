import type { Knex } from "knex";
import type { StreamSummary } from "../event-store.js";

/**
 * Streams in ascending name order, from the `streams` table, with the commit time
 * of each one's last event (the event at `last_position`, by primary key).
 * `after` pages by key (the last name of the previous page), so that pages stay
 * stable while streams are added. The prefix compares code points exactly,
 * whatever the collation. Deleted (and not written since) and tombstoned streams
 * are left out; the event count leaves out what the metadata hides by revision
 * and count (not by age: `getStream` counts that).
 */
export async function listStreams(db: Knex, prefix: string, after: string | undefined, limit: number): Promise<StreamSummary[]> {
  const query = db("streams as s")
    .leftJoin("events as e", "e.position", "s.last_position")
    .leftJoin("stream_metadata as m", "m.stream", "s.stream")
    .select("s.stream", "s.last_revision", "s.last_position", "e.recorded_at", "m.hide_before", "m.max_count")
    .where((visible) => visible.whereNull("m.stream").orWhere((kept) => kept.where("m.tombstoned", 0).andWhere((alive) => alive.whereNull("m.deleted_through").orWhereRaw("m.deleted_through < s.last_revision"))))
    .orderBy("s.stream", "asc")
    .limit(limit);
  if (prefix.length > 0) query.whereRaw("substr(s.stream, 1, ?) = ?", [[...prefix].length, prefix]);
  if (after !== undefined) query.where("s.stream", ">", after);
  const rows: Array<{
    stream: string;
    last_revision: number | string;
    last_position: number | string;
    recorded_at: number | string | null;
    hide_before: number | string | null;
    max_count: number | string | null;
  }> = await query;
  return rows.map((row) => {
    const lastRevision = Number(row.last_revision);
    let eventCount = lastRevision + 1 - Math.min(lastRevision + 1, Number(row.hide_before ?? 0));
    if (row.max_count !== null) eventCount = Math.min(eventCount, Number(row.max_count));
    const summary: StreamSummary = { stream: row.stream, lastRevision, lastPosition: Number(row.last_position), lastRecordedAt: Number(row.recorded_at ?? 0) };
    if (eventCount < lastRevision + 1) summary.eventCount = eventCount;
    return summary;
  });
}
