import type { Knex } from "knex";
import type pg from "pg";

/**
 * One pooled PostgreSQL connection in a transaction, its statements pipelined: each
 * goes on the wire when it is given, without waiting for the answers before it
 * (the pool's connections run in node-postgres's pipeline mode). An append's BEGIN
 * thus travels with its lookup, and its inserts with its COMMIT: two round trips
 * where one per statement made four.
 */
export interface PostgresSession {
  /** Sends a statement and answers its rows. A named statement is parsed once per connection. */
  query<Row>(text: string, values: readonly unknown[], name?: string): Promise<Row[]>;
  /** Sends a statement whose rows nobody reads; its failure fails the transaction at commit. */
  send(text: string, values: readonly unknown[], name?: string): void;
}

/** The pooled connection as knex keeps it: knex marks one it must not hand out again. */
type PooledClient = pg.Client & { __knex__disposed?: unknown };

/**
 * Runs `work` in a transaction on one of `db`'s pooled connections: BEGIN is sent
 * with `work`'s first statement, COMMIT right after its last. When a statement fails,
 * the transaction rolls back and the error is thrown; a connection whose rollback
 * fails too is dropped from the pool. The statements go through node-postgres
 * directly: knex's transaction object costs more CPU per append than the statements'
 * own handling (`tools/bench`, `peers.batch1`).
 */
export async function pipelinedTransaction<T>(db: Knex, work: (session: PostgresSession) => Promise<T>): Promise<T> {
  const client = (await db.client.acquireConnection()) as PooledClient;
  const sent: Promise<unknown>[] = [];
  const run = (text: string, values: readonly unknown[], name?: string) => client.query({ text, values: values as unknown[], name });
  const session: PostgresSession = {
    async query<Row>(text: string, values: readonly unknown[], name?: string) {
      const result = await run(text, values, name);
      return result.rows as Row[];
    },
    send(text, values, name) {
      const answer = run(text, values, name);
      // Read at commit; until then its failure must not count as unhandled.
      answer.catch(() => undefined);
      sent.push(answer);
    },
  };
  try {
    // BEGIN goes out first and `work`'s statements behind it. `work` runs to its end
    // before anything else is sent: a failed BEGIN is thrown after it.
    const begun = run("begin", []);
    begun.catch(() => undefined);
    const result = await work(session);
    await begun;
    // A failed statement leaves the transaction aborted, and COMMIT then rolls it back;
    // the answers come in order, so the statement's own error is the one thrown.
    await Promise.all([...sent, run("commit", [])]);
    return result;
  } catch (error) {
    await run("rollback", []).catch((rollbackError: unknown) => {
      client.__knex__disposed = rollbackError;
    });
    throw error;
  } finally {
    await db.client.releaseConnection(client);
  }
}
