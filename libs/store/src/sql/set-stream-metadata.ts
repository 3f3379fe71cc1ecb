import type { Knex } from "knex";
import { StreamTombstonedError, WrongExpectedMetadataRevisionError } from "../errors.js";
import type { StreamMetadata, StreamMetadataRecord } from "../event-store.js";
import { hideBefore, readStreamMetadataRow, streamHeadRevision, toStreamMetadataRecord, type StreamMetadataRow } from "./stream-metadata.js";

/**
 * Replaces a stream's metadata, one revision up; with `expected`, only when it is at
 * that revision now (never set: 0). Runs in a write transaction, so the comparison,
 * the write and the appends it races see one order.
 */
export async function setStreamMetadata(trx: Knex, stream: string, metadata: StreamMetadata, now: number, expected: number | undefined): Promise<StreamMetadataRecord> {
  const row = await readStreamMetadataRow(trx, stream);
  if (row !== undefined && Number(row.tombstoned) === 1) throw new StreamTombstonedError(stream, "write");
  const actual = row === undefined ? 0 : Number(row.metadata_revision);
  if (expected !== undefined && expected !== actual) throw new WrongExpectedMetadataRevisionError(stream, expected, actual);
  const deletedThrough = row?.deleted_through === null || row === undefined ? undefined : Number(row.deleted_through);
  const custom = metadata.custom ?? {};
  const next: StreamMetadataRow = {
    stream,
    metadata_revision: actual + 1,
    max_count: metadata.maxCount ?? null,
    max_age_ms: metadata.maxAgeSeconds === undefined ? null : Math.round(metadata.maxAgeSeconds * 1000),
    truncate_before: metadata.truncateBefore ?? null,
    custom: Object.keys(custom).length === 0 ? null : JSON.stringify(custom),
    deleted_through: deletedThrough ?? null,
    tombstoned: 0,
    hide_before: hideBefore(metadata.truncateBefore, deletedThrough, false),
    updated_at: now,
  };
  await trx("stream_metadata").insert(next).onConflict("stream").merge();
  return toStreamMetadataRecord(stream, next, await streamHeadRevision(trx, stream));
}
