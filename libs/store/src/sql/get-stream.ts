import { StreamTombstonedError } from "../errors.js";
import type { StreamInfo } from "../event-store.js";
import { isTombstoned } from "./stream-metadata.js";
import { sqlOnce, type Reads } from "./sync-reader.js";
import { whereVisible } from "./visible-events.js";

interface StreamRow {
  stream: string;
  last_revision: number | string;
  last_position: number | string;
  deleted_through: number | string | null;
  tombstoned: number | string | null;
  hide_before: number | string | null;
  max_count: number | string | null;
  max_age_ms: number | string | null;
}

/**
 * The stream's head, `undefined` when it does not exist or was deleted (and not
 * written since); `StreamTombstonedError` when it was tombstoned. The event count
 * is what reads show; it is counted only when the metadata hides something by age.
 */
export async function getStream(reads: Reads, stream: string, now: number): Promise<StreamInfo | undefined> {
  const { db, sync } = reads;
  const build = () =>
    db("streams as s")
      .leftJoin("stream_metadata as m", "m.stream", "s.stream")
      .select("s.stream", "s.last_revision", "s.last_position", "m.deleted_through", "m.tombstoned", "m.hide_before", "m.max_count", "m.max_age_ms")
      .where("s.stream", stream)
      .first();
  const row: StreamRow | undefined = sync ? (sync.first(sqlOnce(db, "get-stream", build, [stream, 1]), [stream, 1]) as StreamRow | undefined) : await build();
  if (row === undefined) {
    if (await isTombstoned(reads, stream)) throw new StreamTombstonedError(stream, "read");
    return undefined;
  }
  if (Number(row.tombstoned) === 1) throw new StreamTombstonedError(stream, "read");
  const lastRevision = Number(row.last_revision);
  if (row.deleted_through !== null && Number(row.deleted_through) >= lastRevision) return undefined;
  let eventCount = lastRevision + 1 - Math.min(lastRevision + 1, Number(row.hide_before ?? 0));
  if (row.max_count !== null) eventCount = Math.min(eventCount, Number(row.max_count));
  if (row.max_age_ms !== null) {
    const counted = await whereVisible(db("events").count({ count: "*" }).where("stream", stream), now);
    eventCount = Number((counted[0] as { count: number | string }).count);
  }
  const info: StreamInfo = { stream: row.stream, lastRevision, lastPosition: Number(row.last_position) };
  if (eventCount < lastRevision + 1) info.eventCount = eventCount;
  return info;
}
