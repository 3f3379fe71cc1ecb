import type { Knex } from "knex";
import type { Migration } from "./migration.js";

/**
 * Stream lifecycle: each stream's retention metadata (max count, max age, truncate
 * before, custom entries; versioned for compare-and-set), its soft deletion and its
 * tombstone (`stream_metadata`), and where the scavenger is in its pass over the log
 * (`scavenge_progress`), so that a pass resumes after a restart; and the keys of
 * data subjects (`subject_keys`), each wrapped by the server's master key, never
 * in clear, and emptied when the subject is forgotten.
 *
 * `hide_before` is derived: the first revision a read may show (the larger of
 * `truncate_before` and the revision after the last one at deletion), so that the
 * read predicate compares one column.
 */
export const streamLifecycleMigration: Migration = {
  name: "005-stream-lifecycle",
  async up(knex: Knex) {
    await knex.schema.createTable("stream_metadata", (table) => {
      table.string("stream", 256).primary();
      // Counts the SetStreamMetadata calls: 0 while only a deletion or a tombstone was recorded.
      table.bigInteger("metadata_revision").notNullable();
      table.bigInteger("max_count").nullable();
      table.bigInteger("max_age_ms").nullable();
      table.bigInteger("truncate_before").nullable();
      table.text("custom").nullable();
      table.bigInteger("deleted_through").nullable();
      table.bigInteger("tombstoned").notNullable().defaultTo(0);
      table.bigInteger("hide_before").notNullable().defaultTo(0);
      table.bigInteger("updated_at").notNullable();
    });
    await knex.schema.createTable("scavenge_progress", (table) => {
      table.string("name", 64).primary();
      table.bigInteger("position").notNullable();
      table.bigInteger("removed").notNullable();
      table.bigInteger("updated_at").notNullable();
    });
    await knex.schema.createTable("subject_keys", (table) => {
      table.string("subject", 256).primary();
      // Null once the subject is forgotten: its events read back erased.
      table.binary("wrapped_key").nullable();
      table.bigInteger("created_at").notNullable();
      table.bigInteger("forgotten_at").nullable();
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTable("subject_keys");
    await knex.schema.dropTable("scavenge_progress");
    await knex.schema.dropTable("stream_metadata");
  },
};
