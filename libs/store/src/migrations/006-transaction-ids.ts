import type { Knex } from "knex";
import type { Migration } from "./migration.js";

/**
 * PostgreSQL: what the transaction-id ordering (`postgresOrdering: "xid"`) needs,
 * harmless to the advisory-lock ordering, so that a database can switch between them.
 *
 * - `events.txid`: the writing transaction's id (`xid8`, never wraps). Events stored
 *   before this migration get 0: their transactions ended long ago.
 * - `events_position_seq`: where positions come from, carried forward to the last position
 *   (and, at each use, past any position the advisory-lock ordering wrote meanwhile).
 * - `annals_take_positions(lock_a, lock_b, n)`: under a short advisory lock (the
 *   append lock's keys, session level, released before it returns), gives the calling
 *   transaction its id and `n` contiguous positions, and the database clock in ms. So
 *   the order of positions is the order of transaction ids, and a reader that keeps to
 *   the ids below its snapshot's xmin sees a prefix of the log with no hole.
 *
 * SQLite orders by its single writer and gets nothing.
 */
export const transactionIdsMigration: Migration = {
  name: "006-transaction-ids",
  async up(knex: Knex, kind) {
    if (kind !== "postgres") return;
    // A constant default adds the column without rewriting the table; new rows then get their own id.
    await knex.raw("alter table events add column txid xid8 not null default '0'");
    await knex.raw("alter table events alter column txid set default pg_current_xact_id()");
    await knex.raw("create sequence events_position_seq as bigint minvalue 1");
    await knex.raw("select setval('events_position_seq', coalesce((select max(position) from events), 0) + 1, false)");
    await knex.raw(`
      create function annals_take_positions(lock_a int, lock_b int, n bigint, out last_position bigint, out now_ms bigint)
      language plpgsql set search_path from current as $$
      declare first_position bigint;
      begin
        perform pg_advisory_lock(lock_a, lock_b);
        begin
          perform pg_current_xact_id();
          -- Under the lock no advisory-lock writer is in flight: its last position is visible here.
          first_position := greatest(nextval('events_position_seq'), coalesce((select max(position) from events), 0) + 1);
          last_position := setval('events_position_seq', first_position + n - 1);
          now_ms := floor(extract(epoch from clock_timestamp()) * 1000)::bigint;
        exception when others or query_canceled then
          perform pg_advisory_unlock(lock_a, lock_b);
          raise;
        end;
        perform pg_advisory_unlock(lock_a, lock_b);
      end $$`);
  },
  async down(knex: Knex, kind) {
    if (kind !== "postgres") return;
    await knex.raw("drop function annals_take_positions(int, int, bigint)");
    await knex.raw("drop sequence events_position_seq");
    await knex.raw("alter table events drop column txid");
  },
};
