import knexFactory, { type Knex } from "knex";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventStore } from "../event-store.js";
import { openEventStore } from "../open-event-store.js";
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
    // A session as the store opens them.
    client = new pg.Client({ connectionString: scratch.url, options: sessionPlannerOptions });
    await client.connect();
    await client.query(`set search_path to ${client.escapeIdentifier(scratch.schema)}`);
  }, 60_000);

  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await store?.close();
    await scratch?.drop();
  });

  /** Builds queries as the store does, with the same visibility predicate; never connects. */
  const sqlOf = knexFactory({ client: "pg" });

  async function plan(query: Knex.QueryBuilder): Promise<string[]> {
    const { sql, bindings } = query.toSQL().toNative();
    const result = await client.query(`explain (format json) ${sql}`, [...bindings]);
    const [root] = (result.rows[0] as { "QUERY PLAN": Array<{ Plan: PlanNode }> })["QUERY PLAN"];
    return nodeTypes(root!.Plan);
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
