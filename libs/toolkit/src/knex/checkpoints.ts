import type { Knex } from "knex";

/** The table the toolkit keeps projection checkpoints in, in the service's database. */
export const defaultCheckpointTable = "annals_projection_checkpoints";

/** Creates the checkpoint table when missing. */
export async function createCheckpointTable(db: Knex, table: string): Promise<void> {
  if (await db.schema.hasTable(table)) return;
  await db.schema
    .createTable(table, (columns) => {
      columns.string("name", 256).primary();
      // The position in the event store's global log the read model has processed up to.
      columns.bigInteger("position").notNullable();
      columns.bigInteger("updated_at").notNullable();
    })
    .catch(async (error: unknown) => {
      // Another instance created it meanwhile.
      if (!(await db.schema.hasTable(table))) throw error;
    });
}

/** The stored position of `name`, 0 when never stored. Inside a transaction on PostgreSQL, the row stays locked until it ends. */
export async function readCheckpoint(db: Knex, table: string, name: string, forUpdate = false): Promise<bigint> {
  const query = db(table).select("position").where("name", name);
  if (forUpdate && (db.client as { dialect?: string }).dialect === "postgresql") query.forUpdate();
  const row: { position: number | string } | undefined = await query.first();
  return row === undefined ? 0n : BigInt(row.position);
}

export async function writeCheckpoint(trx: Knex, table: string, name: string, position: bigint): Promise<void> {
  await trx(table).insert({ name, position: Number(position), updated_at: Date.now() }).onConflict("name").merge(["position", "updated_at"]);
}
