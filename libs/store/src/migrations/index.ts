import type { Knex } from "knex";
import type { Dialect } from "../dialect/dialect.js";
import { eventsMigration } from "./001-events.js";
import { checkpointsMigration } from "./002-checkpoints.js";
import { snapshotsProjectionsMigration } from "./003-snapshots-projections.js";
import { oneCheckpointTableMigration } from "./004-one-checkpoint-table.js";
import { streamLifecycleMigration } from "./005-stream-lifecycle.js";
import { transactionIdsMigration } from "./006-transaction-ids.js";
import { appendLookupMigration } from "./007-append-lookup.js";
import type { Migration } from "./migration.js";

/** Every migration, oldest first. Append new ones; never edit a released one. */
export const migrations: readonly Migration[] = [
  eventsMigration,
  checkpointsMigration,
  snapshotsProjectionsMigration,
  oneCheckpointTableMigration,
  streamLifecycleMigration,
  transactionIdsMigration,
  appendLookupMigration,
];

function migrationSource(kind: Dialect["kind"]): Knex.MigrationSource<Migration> {
  return {
    getMigrations: async () => [...migrations],
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({
      up: (knex: Knex) => migration.up(knex, kind),
      down: (knex: Knex) => migration.down(knex, kind),
    }),
  };
}

/** Brings the database to the latest schema (knex keeps track in `knex_migrations`). */
export async function migrateToLatest(dialect: Dialect): Promise<void> {
  await dialect.migrationGuard(() =>
    dialect.writer.migrate.latest({ migrationSource: migrationSource(dialect.kind), ...(dialect.schema ? { schemaName: dialect.schema } : {}) }),
  );
}
