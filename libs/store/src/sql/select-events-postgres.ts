import type { Knex } from "knex";
import type pg from "pg";
import { inlineIndex, keptOf, rowsSql, selectEventsKnex, withData, type SelectEvents } from "./select-events.js";
import { toRecordedEventFromValues } from "./rows.js";

/** The pooled connection as knex keeps it. */
type PooledClient = pg.Client;

/**
 * `SelectEvents` on PostgreSQL: one statement per page on a pooled connection of `db`,
 * rows as arrays. The rows statement (`rowsSql`) carries each row's data length, and its
 * data when it is at most the page's per-row share of its byte bound, so that it never
 * loads more than `maxBytes` of data. When every row kept has its data, that statement
 * is the page: one round trip. A page that keeps a larger event reads as
 * `selectEventsKnex` does. A shaped query runs as a named prepared statement, parsed
 * once per connection; the others (selectors, whose SQL varies) unnamed, so that no
 * connection gathers statements without bound. Going to node-postgres directly leaves
 * out knex's per-query runner, and arrays its row objects: about a quarter of the
 * server's CPU for a long read over gRPC (`tools/bench`, `--only read`).
 */
export function selectEventsPostgres(db: Knex): SelectEvents {
  return async (query, order, limit, maxBytes) => {
    const statement = rowsSql(db, query, order, limit, maxBytes);
    const client = (await db.client.acquireConnection()) as PooledClient;
    let rows: unknown[][];
    try {
      const result = await client.query<unknown[]>({ text: statement.sql, values: statement.bindings as unknown[], name: statement.shape, rowMode: "array" });
      rows = result.rows;
    } finally {
      await db.client.releaseConnection(client);
    }
    const { kept, more } = keptOf(rows, limit, maxBytes);
    const events = new Array(kept);
    for (let index = 0; index < kept; index += 1) {
      const values = rows[index]!;
      const data = values[inlineIndex] as Uint8Array | null;
      if (data === null) return selectEventsKnex(query, order, limit, maxBytes);
      events[index] = toRecordedEventFromValues(withData(values, data));
    }
    return { events, more };
  };
}
