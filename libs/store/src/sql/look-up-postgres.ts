import type { Knex } from "knex";
import { stateFromRows, type LookUp, type LookupRow } from "./append-batch.js";

/**
 * PostgreSQL: the lookup is `annals_append_lookup` (migration 007), one statement
 * whatever the batch's size, keys as arrays. Its text never changes, so it runs as
 * a named prepared statement, parsed once per connection.
 */
const lookupSql = "select kind, stream, revision, position, id, recorded_at from annals_append_lookup(?, ?, ?::text[], ?::uuid[])";

/**
 * The lookup of a group commit; given the append lock's two keys, it takes that lock
 * first (`lock` ordering), in the same round trip.
 */
export function lookUpPostgres(lockKeys: readonly [number, number] | undefined): LookUp {
  const [lockA, lockB] = lockKeys ?? [null, null];
  return async (trx: Knex, streams, ids) => {
    const bindings = [lockA, lockB, streams, ids] as unknown as Knex.RawBinding[];
    const result = (await trx.raw(lookupSql, bindings).options({ name: "annals_append_lookup" })) as { rows: LookupRow[] };
    return stateFromRows(result.rows);
  };
}
