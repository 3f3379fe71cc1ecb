import type { Knex } from "knex";
import { isPostgres } from "@annals/toolkit/knex";

/** The `accounts` read model: one row per account, as its events left it. */
export const accountsTable = "accounts";

/** A row of the `accounts` table as the drivers return it (PostgreSQL gives bigints as strings). */
export interface AccountRow {
  account_id: string;
  owner: string;
  /** Decimal text with two decimal places, exact. */
  balance: string;
  version: number | string;
  opened: boolean | number;
  opened_at: number | string | null;
  updated_at: number | string | null;
  /** The global position of the last event applied to the row. */
  position: number | string;
}

/** Creates the table when missing. Account ids sort by code point on every backend (PostgreSQL: collation "C"). */
export async function createAccountsTable(db: Knex): Promise<void> {
  if (await db.schema.hasTable(accountsTable)) return;
  await db.schema.createTable(accountsTable, (table) => {
    if (isPostgres(db)) table.specificType("account_id", 'varchar(256) collate "C"').primary();
    else table.string("account_id", 256).primary();
    table.text("owner").notNullable();
    // Text, not a number type: exact whatever its size, and SQLite keeps it as written.
    table.text("balance").notNullable();
    table.bigInteger("version").notNullable();
    table.boolean("opened").notNullable();
    table.bigInteger("opened_at").nullable();
    table.bigInteger("updated_at").nullable();
    table.bigInteger("position").notNullable();
  });
}

/** The rows of these accounts, by id. */
export async function readAccountRows(db: Knex, accountIds: readonly string[]): Promise<Map<string, AccountRow>> {
  const rows: AccountRow[] = [];
  for (let start = 0; start < accountIds.length; start += 500) {
    rows.push(...((await db(accountsTable).select("*").whereIn("account_id", accountIds.slice(start, start + 500))) as AccountRow[]));
  }
  return new Map(rows.map((row) => [row.account_id, row]));
}

/** Inserts or replaces rows. */
export async function upsertAccountRows(trx: Knex, rows: readonly AccountRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 100) {
    await trx(accountsTable)
      .insert(rows.slice(start, start + 100))
      .onConflict("account_id")
      .merge();
  }
}

export async function countAccountRows(db: Knex): Promise<number> {
  const row: { count?: number | string } | undefined = await db(accountsTable).count({ count: "*" }).first();
  return Number(row?.count ?? 0);
}

export async function deleteAccountRows(trx: Knex): Promise<void> {
  await trx(accountsTable).delete();
}
