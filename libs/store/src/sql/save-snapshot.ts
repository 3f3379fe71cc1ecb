import type { Knex } from "knex";

export interface SnapshotRow {
  stream: string;
  revision: number | string;
  type: string;
  state: Uint8Array;
  saved_at: number | string;
}

/** Stores the snapshot of a stream at a revision, replacing one already there. */
export async function saveSnapshot(trx: Knex, row: SnapshotRow): Promise<void> {
  await trx("snapshots").insert(row).onConflict(["stream", "revision"]).merge(["type", "state", "saved_at"]);
}
