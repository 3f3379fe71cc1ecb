import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createThrowawaySchema, withPostgresClient, type ThrowawaySchema } from "../testing/postgres.js";
import type { Dialect } from "./dialect.js";
import { createPostgresDialect } from "./postgres.js";
import { pipelinedTransaction } from "./postgres-session.js";

/**
 * The pipelined transaction appends run in: what it sends is committed together or
 * not at all, and the pool's one connection serves the next transaction whatever
 * became of the last one. A pool of one connection, so every transaction here runs
 * on the connection the one before it used (or on its replacement).
 */
describe("pipelinedTransaction (PostgreSQL)", () => {
  let scratch: ThrowawaySchema;
  let dialect: Dialect;
  const notes = () => dialect.reader.raw("select note from notes order by note").then((result: { rows: Array<{ note: string }> }) => result.rows.map((row) => row.note));

  beforeAll(async () => {
    scratch = await createThrowawaySchema();
    dialect = createPostgresDialect({ connectionString: scratch.url, schema: scratch.schema, poolSize: 1 });
    await dialect.writer.raw("create table notes (note text primary key)");
  }, 60_000);
  afterAll(async () => {
    await dialect?.close();
    await scratch?.drop();
  });
  beforeEach(async () => {
    await dialect.writer.raw("delete from notes");
  });

  it("commits what it sends, in order, and answers the work's result and the rows it read", async () => {
    const result = await pipelinedTransaction(dialect.writer, async (session) => {
      session.send("insert into notes values ($1)", ["a"]);
      const rows = await session.query<{ count: string }>("select count(*) from notes", []);
      session.send("insert into notes values ($1)", ["b"], "insert_note");
      session.send("insert into notes values ($1)", ["c"], "insert_note");
      return rows[0]!.count;
    });
    expect(result).toBe("1");
    expect(await notes()).toEqual(["a", "b", "c"]);
  });

  it("runs in one transaction: another connection sees nothing before the commit", async () => {
    const seenBeforeCommit = await pipelinedTransaction(dialect.writer, async (session) => {
      await session.query("insert into notes values ($1)", ["a"]);
      // The store's reader is the same pool of one connection: a client of its own looks instead.
      return withPostgresClient(scratch.url, async (client) => (await client.query(`select count(*)::int as count from "${scratch.schema}".notes`)).rows[0].count as number);
    });
    expect(seenBeforeCommit).toBe(0);
    expect(await notes()).toEqual(["a"]);
  });

  it("a statement that fails fails the transaction with its own error, and nothing it sent is stored", async () => {
    const failing = pipelinedTransaction(dialect.writer, async (session) => {
      session.send("insert into notes values ($1)", ["a"]);
      session.send("insert into notes values ($1)", ["a"]);
      session.send("insert into notes values ($1)", ["b"]);
    });
    await expect(failing).rejects.toMatchObject({ code: "23505" });
    expect(await notes()).toEqual([]);
    // The connection is back in the pool, out of the failed transaction.
    await pipelinedTransaction(dialect.writer, async (session) => session.send("insert into notes values ($1)", ["c"]));
    expect(await notes()).toEqual(["c"]);
  });

  it("work that throws rolls back what it had sent", async () => {
    const failing = pipelinedTransaction(dialect.writer, async (session) => {
      await session.query("insert into notes values ($1)", ["a"]);
      session.send("insert into notes values ($1)", ["b"]);
      throw new Error("the plan went wrong");
    });
    await expect(failing).rejects.toThrow("the plan went wrong");
    expect(await notes()).toEqual([]);
  });

  it("a connection that dies in a transaction fails it and is replaced in the pool", async () => {
    const failing = pipelinedTransaction(dialect.writer, async (session) => {
      session.send("insert into notes values ($1)", ["a"]);
      await session.query("select pg_terminate_backend(pg_backend_pid())", []);
    });
    await expect(failing).rejects.toBeDefined();
    expect(dialect.isUnavailable(await failing.catch((error: unknown) => error))).toBe(true);
    await pipelinedTransaction(dialect.writer, async (session) => session.send("insert into notes values ($1)", ["b"]));
    expect(await notes()).toEqual(["b"]);
  });
});
