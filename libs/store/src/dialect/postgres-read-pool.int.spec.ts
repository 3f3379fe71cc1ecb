import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEventStore } from "../open-event-store.js";
import { collect, events } from "../testing/conformance.js";
import { createThrowawaySchema, sessionsNamed, withPostgresClient, type ThrowawaySchema } from "../testing/postgres.js";
import { sessionPlannerSettings } from "./postgres.js";
import { createPostgresReadPool } from "./postgres-read-pool.js";

describe("PostgreSQL read pool", () => {
  let scratch: ThrowawaySchema;

  beforeAll(async () => {
    scratch = await createThrowawaySchema();
  });

  afterAll(async () => {
    await scratch.drop();
  });

  it("starts its sessions as the store's others: the URL's user, database and application name, the schema as search path, the planner settings", async () => {
    const applicationName = `${scratch.schema}_reads`;
    const pool = createPostgresReadPool({
      connectionString: `${scratch.url}?application_name=${applicationName}&connect_timeout=5`,
      schema: 'tenant "a"',
      size: 2,
      connectTimeoutMs: 5_000,
      settings: sessionPlannerSettings,
    });
    try {
      const [row] = await pool.unsafe<Array<Record<string, string>>>(
        "select current_user as user, current_database() as database, current_setting('application_name') as application_name, current_setting('search_path') as search_path, current_setting('enable_sort') as enable_sort, current_setting('enable_seqscan') as enable_seqscan",
      );
      const expected = await withPostgresClient(scratch.url, async (client) => (await client.query<{ user: string; database: string }>("select current_user as user, current_database() as database")).rows[0]!);
      expect(row).toEqual({ ...expected, application_name: applicationName, search_path: '"tenant ""a"""', enable_sort: "off", enable_seqscan: "off" });
    } finally {
      await pool.end({ timeout: 5 });
    }
  });

  it("takes TLS from the URL as node-postgres does: it reads over TLS where node-postgres connects over TLS, and not at all where node-postgres cannot", async () => {
    const url = `${scratch.url}?sslmode=no-verify`;
    const viaNodePostgres = await withPostgresClient(url, async (client) => (await client.query<{ ssl: boolean }>("select ssl from pg_stat_ssl where pid = pg_backend_pid()")).rows[0]!.ssl).catch(
      (error: unknown) => (error as Error).message,
    );
    const pool = createPostgresReadPool({ connectionString: url, schema: scratch.schema, size: 1, connectTimeoutMs: 5_000, settings: sessionPlannerSettings });
    try {
      const viaReadPool = await pool
        .unsafe<Array<{ ssl: boolean }>>("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
        .then((rows) => rows[0]!.ssl)
        .catch((error: unknown) => (error as Error).message);
      // This machine's server may or may not offer TLS: both drivers must agree on it.
      if (viaNodePostgres === true) expect(viaReadPool).toBe(true);
      else expect(viaReadPool).toMatch(/does not support SSL/);
      expect(typeof viaNodePostgres === "string" ? viaNodePostgres : "tls").toMatch(/does not support SSL|tls/);
    } finally {
      await pool.end({ timeout: 5 });
    }
  });

  it("keeps a store within its pool size while reads and appends run together, and leaves no session once closed", async () => {
    const applicationName = `${scratch.schema}_bound`;
    const poolSize = 4;
    const store = await openEventStore({ database: `${scratch.url}?application_name=${applicationName}`, postgresSchema: scratch.schema, postgresPoolSize: poolSize });
    let most = 0;
    try {
      await store.appendToStream("long", events(1_200));
      const reads = Array.from({ length: 12 }, () => collect(store.readStream("long")));
      const appends = Array.from({ length: 12 }, (_, i) => store.appendToStream(`other-${i}`, events(5)));
      const sampling = (async () => {
        for (let i = 0; i < 10; i += 1) most = Math.max(most, await sessionsNamed(scratch.url, applicationName));
      })();
      const [read] = await Promise.all([Promise.all(reads), Promise.all(appends), sampling]);
      expect(read.map((stream) => stream.length)).toEqual(Array.from({ length: 12 }, () => 1_200));
    } finally {
      await store.close();
    }
    // The pool's connections and the commit channel's listener.
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(poolSize + 1);
    await expect.poll(() => sessionsNamed(scratch.url, applicationName), { timeout: 5_000 }).toBe(0);
  });
});
