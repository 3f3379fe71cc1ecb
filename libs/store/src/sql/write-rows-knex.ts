import type { Knex } from "knex";
import type { HeadRow } from "./append-plan.js";
import { chunk, type EventRow } from "./rows.js";

// SQLite caps bound variables and compound selects.
const rowsPerInsert = 400;

/** Inserts the events and moves the streams' heads with knex multi-row inserts (SQLite through the sqlite3 driver). */
export async function writeRowsKnex(trx: Knex, rows: readonly EventRow[], headRows: readonly HeadRow[]): Promise<void> {
  for (const part of chunk(rows, rowsPerInsert)) {
    await trx("events").insert(part);
  }
  for (const part of chunk(headRows, rowsPerInsert)) {
    await trx("streams").insert(part).onConflict("stream").merge(["last_revision", "last_position"]);
  }
}
