import type { Knex } from "knex";
import type { Migration } from "./migration.js";

/**
 * One checkpoint table. The store used to keep read-model checkpoints apart
 * (`projection_checkpoints`) and a snapshot cache (`snapshots`), both for a
 * domain service that now keeps its read models and snapshots in its own
 * database. The read-model checkpoints move into `checkpoints` (a name already
 * there keeps its row); the snapshots were a cache of what the events say and
 * are rebuilt by whoever reads them.
 */
export const oneCheckpointTableMigration: Migration = {
  name: "004-one-checkpoint-table",
  async up(knex: Knex) {
    if (await knex.schema.hasTable("projection_checkpoints")) {
      await knex.raw(
        "insert into checkpoints (name, position, updated_at) " +
          "select p.name, p.position, p.updated_at from projection_checkpoints p " +
          "where not exists (select 1 from checkpoints c where c.name = p.name)",
      );
      await knex.schema.dropTable("projection_checkpoints");
    }
    await knex.schema.dropTableIfExists("snapshots");
  },
  async down(knex: Knex) {
    await knex.schema.createTable("snapshots", (table) => {
      table.string("stream", 256).notNullable();
      table.bigInteger("revision").notNullable();
      table.string("type", 256).notNullable();
      table.binary("state").notNullable();
      table.bigInteger("saved_at").notNullable();
      table.primary(["stream", "revision"]);
    });
    await knex.schema.createTable("projection_checkpoints", (table) => {
      table.string("name", 256).primary();
      table.bigInteger("position").notNullable();
      table.bigInteger("updated_at").notNullable();
    });
  },
};
