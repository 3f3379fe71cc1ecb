import type { Knex } from "knex";
import type { Migration } from "./migration.js";

/** Named checkpoints: where a consumer of a subscription resumes after its own restart. */
export const checkpointsMigration: Migration = {
  name: "002-checkpoints",
  async up(knex: Knex) {
    await knex.schema.createTable("checkpoints", (table) => {
      table.string("name", 256).primary();
      table.bigInteger("position").notNullable();
      table.bigInteger("updated_at").notNullable();
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTable("checkpoints");
  },
};
