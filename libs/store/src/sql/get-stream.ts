import type { Knex } from "knex";
import type { StreamInfo } from "../event-store.js";

interface StreamRow {
  stream: string;
  last_revision: number | string;
  last_position: number | string;
}

function toStreamInfo(row: StreamRow): StreamInfo {
  return { stream: row.stream, lastRevision: Number(row.last_revision), lastPosition: Number(row.last_position) };
}

export async function getStream(db: Knex, stream: string): Promise<StreamInfo | undefined> {
  const row: StreamRow | undefined = await db("streams").select("stream", "last_revision", "last_position").where("stream", stream).first();
  return row ? toStreamInfo(row) : undefined;
}
