import type { Knex } from "knex";
import type { PostgresReadPool } from "../dialect/postgres-read-pool.js";
import { inlinePage, rowsSql, selectEventsKnex, type SelectEvents } from "./select-events.js";

/**
 * `SelectEvents` on PostgreSQL: one statement per page on the read pool (`pool`), rows
 * as arrays; `db` builds the SQL. The rows statement (`rowsSql`) carries each row's
 * data length, and its data when it is at most the page's per-row share of its byte
 * bound, so that it never loads more than `maxBytes` of data. When every row kept has
 * its data, that statement is the page: one round trip. A page that keeps a larger
 * event reads as `selectEventsKnex` does, on knex's pool. A shaped query runs as a
 * prepared statement, parsed once per connection; the others (selectors, whose SQL
 * varies) unprepared, so that no connection gathers statements without bound.
 * Against node-postgres's named statements and array rows on knex's pool, the read
 * pool's driver spends about half the CPU per event (`tools/bench`,
 * `bench:postgres -- --peers --only read`).
 */
export function selectEventsPostgres(db: Knex, pool: PostgresReadPool): SelectEvents {
  return async (query, order, limit, maxBytes) => {
    const statement = rowsSql(db, query, order, limit, maxBytes);
    const rows = await pool.unsafe<unknown[][]>(statement.sql, statement.bindings as never[], { prepare: statement.shape !== undefined }).values();
    return inlinePage(rows, query, limit, maxBytes) ?? selectEventsKnex(query, order, limit, maxBytes);
  };
}
