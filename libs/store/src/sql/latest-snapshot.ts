import type { Knex } from "knex";
import type { SnapshotRow } from "./save-snapshot.js";

/** The snapshot of `stream` with the highest revision at or below `atOrBelow`, of `type` when given. */
export async function latestSnapshot(db: Knex, stream: string, atOrBelow: number, type: string | undefined): Promise<SnapshotRow | undefined> {
  const query = db("snapshots").select("stream", "revision", "type", "state", "saved_at").where("stream", stream).andWhere("revision", "<=", atOrBelow);
  if (type !== undefined) query.andWhere("type", type);
  const row: SnapshotRow | undefined = await query.orderBy("revision", "desc").first();
  return row;
}
