import type { Knex } from "knex";
import type { StreamMetadataRecord } from "../event-store.js";
import type { StreamLifecycle } from "./append-plan.js";
import { sqlOnce, type Reads } from "./sync-reader.js";

/** A `stream_metadata` row as the drivers return it. */
export interface StreamMetadataRow {
  stream: string;
  metadata_revision: number | string;
  max_count: number | string | null;
  max_age_ms: number | string | null;
  truncate_before: number | string | null;
  custom: string | null;
  deleted_through: number | string | null;
  tombstoned: number | string;
  hide_before: number | string;
  updated_at: number | string;
}

/** What `hide_before` is for these settings: the first revision reads show. */
export function hideBefore(truncateBefore: number | undefined, deletedThrough: number | undefined, tombstoned: boolean): number {
  if (tombstoned) return Number.MAX_SAFE_INTEGER;
  return Math.max(truncateBefore ?? 0, deletedThrough === undefined ? 0 : deletedThrough + 1);
}

const optionalNumber = (value: number | string | null): number | undefined => (value === null ? undefined : Number(value));

export async function readStreamMetadataRow(db: Knex, stream: string): Promise<StreamMetadataRow | undefined> {
  return db("stream_metadata").select("*").where("stream", stream).first();
}

/** True when `stream` was tombstoned (its name is dead for ever). */
export async function isTombstoned({ db, sync }: Reads, stream: string): Promise<boolean> {
  const build = () => db("stream_metadata").select("tombstoned").where("stream", stream).first();
  const row: { tombstoned: number | string } | undefined = sync ? (sync.first(sqlOnce(db, "tombstoned", build, [stream, 1]), [stream, 1]) as { tombstoned: number } | undefined) : await build();
  return row !== undefined && Number(row.tombstoned) === 1;
}

export function lifecycleOf(row: StreamMetadataRow | undefined): StreamLifecycle | undefined {
  if (row === undefined) return undefined;
  return { deletedThrough: optionalNumber(row.deleted_through), tombstoned: Number(row.tombstoned) === 1, hideBefore: Number(row.hide_before) };
}

/** The record `getStreamMetadata` answers; `lastRevision` is the stream's head (undefined: no head). */
export function toStreamMetadataRecord(stream: string, row: StreamMetadataRow | undefined, lastRevision: number | undefined): StreamMetadataRecord {
  if (row === undefined) return { stream, metadataRevision: 0, custom: {}, deleted: false, tombstoned: false, updatedAt: 0 };
  const deletedThrough = optionalNumber(row.deleted_through);
  const record: StreamMetadataRecord = {
    stream,
    metadataRevision: Number(row.metadata_revision),
    custom: row.custom === null ? {} : (JSON.parse(row.custom) as Record<string, string>),
    deleted: deletedThrough !== undefined && lastRevision !== undefined && deletedThrough >= lastRevision,
    tombstoned: Number(row.tombstoned) === 1,
    updatedAt: Number(row.updated_at),
  };
  const maxCount = optionalNumber(row.max_count);
  const maxAgeMs = optionalNumber(row.max_age_ms);
  const truncateBefore = optionalNumber(row.truncate_before);
  if (maxCount !== undefined) record.maxCount = maxCount;
  if (maxAgeMs !== undefined) record.maxAgeSeconds = maxAgeMs / 1000;
  if (truncateBefore !== undefined) record.truncateBefore = truncateBefore;
  return record;
}

export async function streamHeadRevision(db: Knex, stream: string): Promise<number | undefined> {
  const row: { last_revision: number | string } | undefined = await db("streams").select("last_revision").where("stream", stream).first();
  return row === undefined ? undefined : Number(row.last_revision);
}
