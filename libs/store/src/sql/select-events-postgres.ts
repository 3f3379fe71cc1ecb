import type { Knex } from "knex";
import type pg from "pg";
import { inlinePage, rowsSql, selectEventsKnex, type SelectEvents } from "./select-events.js";

/**
 * `SelectEvents` on PostgreSQL: one statement per page on a pooled connection of `db`,
 * rows as arrays. The rows statement (`rowsSql`) carries each row's data length, and its
 * data when it is at most the page's per-row share of its byte bound, so that it never
 * loads more than `maxBytes` of data. When every row kept has its data, that statement
 * is the page: one round trip. A page that keeps a larger event reads as
 * `selectEventsKnex` does. A shaped query runs as a named prepared statement, parsed
 * once per connection; the others (selectors, whose SQL varies) unnamed, so that no
 * connection gathers statements without bound. Going to node-postgres directly leaves
 * out knex's per-query runner, and arrays its row objects: long reads in process about
 * 20–40 % faster (`tools/bench`, `bench:postgres -- --peers --only read`).
 */
export function selectEventsPostgres(db: Knex): SelectEvents {
  return async (query, order, limit, maxBytes) => {
    const statement = rowsSql(db, query, order, limit, maxBytes);
    const client = (await db.client.acquireConnection()) as pg.Client;
    let rows: unknown[][];
    try {
      const result = await client.query<unknown[]>({ text: statement.sql, values: statement.bindings as unknown[], name: statement.shape, rowMode: "array" });
      rows = result.rows;
    } finally {
      await db.client.releaseConnection(client);
    }
    return inlinePage(rows, query, limit, maxBytes) ?? selectEventsKnex(query, order, limit, maxBytes);
  };
}
