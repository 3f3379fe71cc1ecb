import knexFactory, { type Knex } from "knex";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventStore } from "../event-store.js";
import { defaultMaxPageBytes } from "../knex-event-store.js";
import { openEventStore } from "../open-event-store.js";
import { streamPageQuery } from "../sql/read-stream.js";
import { rowsSql } from "../sql/select-events.js";
import { whereVisible } from "../sql/visible-events.js";
import { events } from "../testing/conformance.js";
import { createThrowawaySchema, type ThrowawaySchema } from "../testing/postgres.js";
import { sessionPlannerOptions } from "./postgres.js";

interface PlanNode {
  "Node Type": string;
  Plans?: PlanNode[];
}

function nodeTypes(node: PlanNode): string[] {
  return [node["Node Type"], ...(node.Plans ?? []).flatMap(nodeTypes)];
}

/** Builds queries as the store does, with the same visibility predicate; never connects. */
const sqlOf = knexFactory({ client: "pg" });

/** The node types of the plan of `sql` with `bindings` on `client`. */
async function planOf(client: pg.Client, sql: string, bindings: readonly unknown[]): Promise<string[]> {
  const result = await client.query(`explain (format json) ${sql}`, [...bindings]);
  const [root] = (result.rows[0] as { "QUERY PLAN": Array<{ Plan: PlanNode }> })["QUERY PLAN"];
  return nodeTypes(root!.Plan);
}

/** A session as the store opens them (`options`: the store's planner settings), on `scratch`'s schema. */
async function session(scratch: ThrowawaySchema, options?: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: scratch.url, ...(options === undefined ? {} : { options }) });
  await client.connect();
  await client.query(`set search_path to ${client.escapeIdentifier(scratch.schema)}`);
  return client;
}

/**
 * A page of a long read walks an index and stops at its limit, also on a table the
 * server never analysed (the test server runs without autovacuum): no scan of the
 * rest of the log and top-N sort, whose cost grows with the log.
 */
describe("PostgreSQL read plans on a table never analysed", () => {
  let scratch: ThrowawaySchema;
  let store: EventStore;
  let client: pg.Client;

  beforeAll(async () => {
    scratch = await createThrowawaySchema();
    store = await openEventStore({ database: scratch.url, postgresSchema: scratch.schema, postgresPoolSize: 2 });
    for (let index = 0; index < 100; index += 1) await store.appendToStream(index % 2 === 0 ? "order-1" : "order-2", events(100));
    client = await session(scratch, sessionPlannerOptions);
  }, 60_000);

  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await store?.close();
    await scratch?.drop();
  });

  async function plan(query: Knex.QueryBuilder): Promise<string[]> {
    const { sql, bindings } = query.toSQL().toNative();
    return planOf(client, sql, bindings);
  }

  it("pages $all along the position index", async () => {
    const nodes = await plan(whereVisible(sqlOf("events").where("position", ">=", 2_000), Date.now()).orderBy("position", "asc").limit(1000));
    expect(nodes).not.toContain("Sort");
    expect(nodes).toContain("Limit");
    expect(nodes.some((type) => type.startsWith("Index"))).toBe(true);
  });

  it("pages a stream along its revision index", async () => {
    const nodes = await plan(whereVisible(sqlOf("events").where("stream", "order-1").where("revision", ">=", 1_000), Date.now()).orderBy("revision", "asc").limit(1000));
    expect(nodes).not.toContain("Sort");
    expect(nodes.some((type) => type.startsWith("Index"))).toBe(true);
  });

  it("reads the whole log back in order", async () => {
    let count = 0;
    let last = 0;
    for await (const page of store.readAll()) {
      for (const recorded of page) {
        expect(recorded.position).toBeGreaterThan(last);
        last = recorded.position;
        count += 1;
      }
    }
    expect(count).toBe(10_000);
  });
});

/**
 * Statistics older than a burst of writes: the table was analysed while it held short
 * streams only, then one stream grew long before autovacuum came round. The planner
 * takes the long stream for a few rows and, left to itself, reads all of its later rows
 * and sorts them for every page; a stream's read would grow with the square of its
 * length. The page the store runs (its rows statement, as `readStreamPage` builds it)
 * still walks the revision index on the store's sessions.
 */
describe("PostgreSQL read plans on statistics older than a bulk fill", () => {
  let scratch: ThrowawaySchema;
  let store: EventStore;
  const sessions: pg.Client[] = [];

  beforeAll(async () => {
    scratch = await createThrowawaySchema();
    store = await openEventStore({ database: scratch.url, postgresSchema: scratch.schema, postgresPoolSize: 2 });
    for (let index = 0; index < 200; index += 1) await store.appendToStream(`short-${index}`, events(5));
    const analysing = await session(scratch);
    sessions.push(analysing);
    await analysing.query("analyze");
    // Autovacuum, where the server runs it, would refresh them before the plans are taken.
    await analysing.query("alter table events set (autovacuum_enabled = false)");
    for (let index = 0; index < 100; index += 1) await store.appendToStream("long-1", events(100));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sessions.map((client) => client.end().catch(() => undefined)));
    await store?.close();
    await scratch?.drop();
  });

  async function pagePlan(options?: string): Promise<string[]> {
    const client = await session(scratch, options);
    sessions.push(client);
    const { query, order } = streamPageQuery(sqlOf, "long-1", 0, "forwards", Date.now());
    const { sql, bindings } = rowsSql(sqlOf, query, order, 1_000, defaultMaxPageBytes);
    return planOf(client, sql, bindings);
  }

  it("pages the long stream along its revision index, without a sort", async () => {
    const nodes = await pagePlan(sessionPlannerOptions);
    expect(nodes).not.toContain("Sort");
    expect(nodes).toContain("Limit");
    expect(nodes.some((type) => type.startsWith("Index"))).toBe(true);
  });

  it("would sort every later row of it on a session without the store's settings", async () => {
    // What the settings are for: the same statement, planned by default.
    expect(await pagePlan()).toContain("Sort");
  });
});
