import type { Knex } from "knex";
import type { Migration } from "./migration.js";

/** The event log and the per-stream heads. */
export const eventsMigration: Migration = {
  name: "001-events",
  async up(knex: Knex, kind) {
    await knex.schema.createTable("events", (table) => {
      // On SQLite an INTEGER primary key is the rowid itself: no second index.
      if (kind === "sqlite") table.integer("position").primary();
      else table.bigInteger("position").primary();
      table.string("stream", 256).notNullable();
      table.bigInteger("revision").notNullable();
      table.uuid("id").notNullable().unique();
      table.string("type", 256).notNullable();
      table.binary("data").notNullable();
      table.string("content_type", 64).nullable();
      table.text("metadata").nullable();
      table.bigInteger("recorded_at").notNullable();
      table.unique(["stream", "revision"]);
    });
    await knex.schema.createTable("streams", (table) => {
      table.string("stream", 256).primary();
      table.bigInteger("last_revision").notNullable();
      table.bigInteger("last_position").notNullable();
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTable("streams");
    await knex.schema.dropTable("events");
  },
};
