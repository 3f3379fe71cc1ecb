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

export function toEventRow(event: RecordedEvent): EventRow {
  return {
    position: event.position,
    stream: event.stream,
    revision: event.revision,
    id: event.id,
    type: event.type,
    data: event.data,
    content_type: event.contentType === defaultContentType ? null : event.contentType,
    metadata: Object.keys(event.metadata).length === 0 ? null : JSON.stringify(event.metadata),
    recorded_at: event.recordedAt,
  };
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
