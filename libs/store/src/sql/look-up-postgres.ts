import type { PostgresSession } from "../dialect/postgres-session.js";
import { stateFromRows, type LookUp, type LookupRow } from "./append-batch.js";

/**
 * PostgreSQL: the lookup is `annals_append_lookup` (migration 007), one statement
 * whatever the batch's size, keys as arrays. Its text never changes, so it runs as
 * a named prepared statement, parsed once per connection.
 */
const lookupSql = "select kind, stream, revision, position, id, recorded_at from annals_append_lookup($1, $2, $3::text[], $4::uuid[])";

/**
 * The lookup of a group commit; given the append lock's two keys, it takes that lock
 * first (`lock` ordering), in the same round trip.
 */
export function lookUpPostgres(lockKeys: readonly [number, number] | undefined): LookUp<PostgresSession> {
  const [lockA, lockB] = lockKeys ?? [null, null];
  return async (session, streams, ids) => stateFromRows(await session.query<LookupRow>(lookupSql, [lockA, lockB, streams, ids], "annals_append_lookup"));
}
