import type { RecordedEvent } from "../event-store.js";
import { defaultContentType } from "../validation.js";

/** An `events` row as the drivers return it (PostgreSQL gives bigints as strings). */
export interface EventRow {
  position: number | string;
  stream: string;
  revision: number | string;
  id: string;
  type: string;
  data: Uint8Array;
  content_type: string | null;
  metadata: string | null;
  recorded_at: number | string;
}

export const eventColumns = ["position", "stream", "revision", "id", "type", "data", "content_type", "metadata", "recorded_at"] as const;

const noMetadata: Record<string, string> = Object.freeze({}) as Record<string, string>;

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: row.data,
    contentType: row.content_type ?? defaultContentType,
    metadata: row.metadata === null ? noMetadata : (JSON.parse(row.metadata) as Record<string, string>),
    stream: row.stream,
    revision: Number(row.revision),
    position: Number(row.position),
    recordedAt: Number(row.recorded_at),
  };
}

/** The same as `toRecordedEvent`, for a row read as an array of `eventColumns` values. */
export function toRecordedEventFromValues(values: readonly unknown[]): RecordedEvent {
  const metadata = values[7] as string | null;
  return {
    id: values[3] as string,
    type: values[4] as string,
    data: values[5] as Uint8Array,
    contentType: (values[6] as string | null) ?? defaultContentType,
    metadata: metadata === null ? noMetadata : (JSON.parse(metadata) as Record<string, string>),
    stream: values[1] as string,
    revision: Number(values[2]),
    position: Number(values[0]),
    recordedAt: Number(values[8]),
  };
}

/** The `metadata` column's value: `null` when there is none. */
export function metadataText(metadata: Record<string, string>): string | null {
  for (const _key in metadata) return JSON.stringify(metadata);
  return null;
}

export function toEventRow(event: RecordedEvent): EventRow {
  return {
    position: event.position,
    stream: event.stream,
    revision: event.revision,
    id: event.id,
    type: event.type,
    data: event.data,
    content_type: event.contentType === defaultContentType ? null : event.contentType,
    metadata: metadataText(event.metadata),
    recorded_at: event.recordedAt,
  };
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
