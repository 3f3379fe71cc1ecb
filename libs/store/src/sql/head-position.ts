import type { Knex } from "knex";
import type { CommittedPrefix } from "./select-events.js";

/**
 * The position of the last committed event, 0 when the log is empty: every position
 * up to it is settled (with `committedPrefix`, the last one a reader may see without a hole).
 */
export async function headPosition(db: Knex, committedPrefix?: CommittedPrefix): Promise<number> {
  const events = db("events");
  const row: { head?: number | string | null } | undefined = await (committedPrefix ? committedPrefix(events) : events).max({ head: "position" }).first();
  return Number(row?.head ?? 0);
}
