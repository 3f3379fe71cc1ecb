import type { Knex } from "knex";
import type { Migration } from "./migration.js";

/**
 * PostgreSQL: `annals_append_lookup(lock_a, lock_b, streams, ids)`, what a group
 * commit needs to know before it is planned, in one round trip with the append lock.
 *
 * With `lock_a` given, it first takes the transaction-level append lock (`lock`
 * ordering); with null it takes none (`xid` ordering). Then it answers, as
 * `sql/append-batch.ts`'s lookup rows: the streams' heads, the ids already stored,
 * the streams' lifecycles and the last event. The function is VOLATILE, so the
 * query after the lock runs on a fresh snapshot and sees every append committed
 * before the lock was granted, as a separate statement after the lock would.
 *
 * SQLite looks up with plain statements and gets nothing.
 */
export const appendLookupMigration: Migration = {
  name: "007-append-lookup",
  async up(knex: Knex, kind) {
    if (kind !== "postgres") return;
    await knex.raw(`
      create function annals_append_lookup(lock_a int, lock_b int, streams text[], ids uuid[])
      returns table (kind text, stream text, revision bigint, "position" bigint, id text, recorded_at bigint)
      language plpgsql volatile set search_path from current as $$
      #variable_conflict use_column
      begin
        if lock_a is not null then
          perform pg_advisory_xact_lock(lock_a, lock_b);
        end if;
        return query
          select 'head'::text, s.stream::text, s.last_revision, s.last_position, null::text, null::bigint
            from streams s where s.stream = any(streams)
          union all
          select 'event', e.stream::text, e.revision, e.position, e.id::text, e.recorded_at
            from events e where e.id = any(ids)
          union all
          -- A stream's lifecycle: deleted through (revision), hide before (position), tombstoned (recorded_at).
          select 'life', m.stream::text, m.deleted_through, m.hide_before, null, m.tombstoned
            from stream_metadata m where m.stream = any(streams)
          union all
          select * from (
            select 'last', e.stream::text, e.revision, e.position, e.id::text, e.recorded_at
              from events e order by e.position desc limit 1
          ) as last;
      end $$`);
  },
  async down(knex: Knex, kind) {
    if (kind !== "postgres") return;
    await knex.raw("drop function annals_append_lookup(int, int, text[], uuid[])");
  },
};
