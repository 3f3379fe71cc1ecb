import type { Knex } from "knex";
import { StreamNotFoundError, StreamTombstonedError, WrongExpectedRevisionError } from "../errors.js";
import type { ExpectedRevision } from "../event-store.js";
import { expectationHolds, visibleRevision } from "./append-plan.js";
import { hideBefore, lifecycleOf, readStreamMetadataRow, type StreamMetadataRow } from "./stream-metadata.js";

/**
 * Soft-deletes a stream (its events up to its head read as gone, its head stays so
 * that revisions continue) or tombstones it (the name is dead for ever). Runs in a
 * write transaction, ordered with the appends. A soft delete needs the stream to
 * exist; a tombstone does not (a name may be retired before it is used).
 */
export async function deleteStream(trx: Knex, stream: string, expected: ExpectedRevision, tombstone: boolean, now: number): Promise<{ lastRevision: number }> {
  const row = await readStreamMetadataRow(trx, stream);
  const lifecycle = lifecycleOf(row);
  if (lifecycle?.tombstoned) throw new StreamTombstonedError(stream, "write");
  const head: { last_revision: number | string; last_position: number | string } | undefined = await trx("streams")
    .select("last_revision", "last_position")
    .where("stream", stream)
    .first();
  const headInfo = head === undefined ? undefined : { stream, lastRevision: Number(head.last_revision), lastPosition: Number(head.last_position) };
  const actual = visibleRevision(headInfo, lifecycle);
  if (!expectationHolds(expected, actual)) throw new WrongExpectedRevisionError(stream, expected, actual);
  if (actual === undefined && !tombstone) throw new StreamNotFoundError(stream);
  const lastRevision = headInfo?.lastRevision ?? -1;
  const deletedThrough = headInfo === undefined ? lifecycle?.deletedThrough : lastRevision;
  const truncateBefore = row?.truncate_before === null || row === undefined ? undefined : Number(row.truncate_before);
  const next: StreamMetadataRow = {
    stream,
    metadata_revision: row === undefined ? 0 : Number(row.metadata_revision),
    max_count: row?.max_count ?? null,
    max_age_ms: row?.max_age_ms ?? null,
    truncate_before: truncateBefore ?? null,
    custom: row?.custom ?? null,
    deleted_through: deletedThrough ?? null,
    tombstoned: tombstone ? 1 : 0,
    hide_before: hideBefore(truncateBefore, deletedThrough, tombstone),
    updated_at: now,
  };
  await trx("stream_metadata").insert(next).onConflict("stream").merge();
  return { lastRevision };
}
