import type { Knex } from "knex";

/** The position of the last committed event, 0 when the log is empty. */
export async function headPosition(db: Knex): Promise<number> {
  const row: { head?: number | string | null } | undefined = await db("events").max({ head: "position" }).first();
  return Number(row?.head ?? 0);
}
