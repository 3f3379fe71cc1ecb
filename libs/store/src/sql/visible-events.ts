import type { Knex } from "knex";

/**
 * Keeps only the events of `events` (unaliased) that their stream's metadata does
 * not hide at `now` (ms): before `hide_before` (truncated, deleted, tombstoned),
 * older than `max_age_ms`, or more than `max_count` behind the stream's head.
 * Hidden events read as gone from the moment the metadata says so, before the
 * scavenger removes them; a stream without metadata costs one primary-key probe.
 */
export function whereVisible(query: Knex.QueryBuilder, now: number): Knex.QueryBuilder {
  return query.whereRaw(`not exists (${hiddenCondition})`, [now]);
}

/** The hidden test for the current `events` row; one binding: now (ms). */
export const hiddenCondition =
  "select 1 from stream_metadata m where m.stream = events.stream and (" +
  "events.revision < m.hide_before" +
  " or (m.max_age_ms is not null and events.recorded_at < ? - m.max_age_ms)" +
  " or (m.max_count is not null and events.revision <= (select s.last_revision from streams s where s.stream = m.stream) - m.max_count))";
