import type { Knex } from "knex";
import type { Migration } from "./migration.js";

/**
 * Snapshots of stream state, and the checkpoints of read models (projections)
 * kept in the same database as their rows.
 */
export const snapshotsProjectionsMigration: Migration = {
  name: "003-snapshots-projections",
  async up(knex: Knex) {
    await knex.schema.createTable("snapshots", (table) => {
      table.string("stream", 256).notNullable();
      // The revision of the last event the state includes.
      table.bigInteger("revision").notNullable();
      table.string("type", 256).notNullable();
      table.binary("state").notNullable();
      table.bigInteger("saved_at").notNullable();
      table.primary(["stream", "revision"]);
    });
    await knex.schema.createTable("projection_checkpoints", (table) => {
      table.string("name", 256).primary();
      // The position of the last `$all` event the projection has processed.
      table.bigInteger("position").notNullable();
      table.bigInteger("updated_at").notNullable();
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTable("projection_checkpoints");
    await knex.schema.dropTable("snapshots");
  },
};
