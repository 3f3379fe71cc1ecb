import { randomBytes } from "node:crypto";
import pg from "pg";
import { startTcpRelay, type TcpRelay } from "./tcp-relay.js";

export { startTcpRelay, unusedPort, type TcpRelay, type TcpRelayTarget } from "./tcp-relay.js";

/** The test database when `ANNALS_TEST_PG` is not set. */
export const defaultTestPostgresUrl = "postgres://postgres@127.0.0.1:5432/test";

/** Prefix of every throwaway schema, so that leftovers are easy to find. */
export const throwawaySchemaPrefix = "annals_t_";

/** The PostgreSQL database tests use: `ANNALS_TEST_PG`, else the local default. */
export function testPostgresUrl(): string {
  const fromEnv = process.env.ANNALS_TEST_PG?.trim();
  return fromEnv ? fromEnv : defaultTestPostgresUrl;
}

/** A schema that exists for one test and is dropped (with everything in it) afterwards. */
export interface ThrowawaySchema {
  /** The connection string of the database that holds the schema. */
  url: string;
  /** The schema's name, e.g. `annals_t_1a2b3c4d5e6f`. */
  schema: string;
  /** Drops the schema and everything in it (CASCADE). Idempotent. */
  drop(): Promise<void>;
}

export interface ThrowawaySchemaOptions {
  /** Default `testPostgresUrl()`. */
  url?: string;
  /** Create the schema now (default), or leave it for the code under test to create. */
  create?: boolean;
}

/** A schema name nobody else uses: the prefix and 12 random hex digits. */
export function randomSchemaName(): string {
  return `${throwawaySchemaPrefix}${randomBytes(6).toString("hex")}`;
}

/** Runs `work` on a short-lived client of `url`. */
export async function withPostgresClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** How many sessions of `url`'s server run under `applicationName` (`pg_stat_activity`). */
export async function sessionsNamed(url: string, applicationName: string): Promise<number> {
  return withPostgresClient(url, async (client) => {
    const result = await client.query<{ n: string }>("select count(*) as n from pg_stat_activity where application_name = $1", [applicationName]);
    return Number(result.rows[0]!.n);
  });
}

/**
 * A fresh schema in the test database. Pass `url` and `schema` to the store
 * (`openEventStore({ database: url, postgresSchema: schema })`) and call `drop()`
 * when the test is over.
 */
export async function createThrowawaySchema(options: ThrowawaySchemaOptions = {}): Promise<ThrowawaySchema> {
  const url = options.url ?? testPostgresUrl();
  const schema = randomSchemaName();
  if (options.create ?? true) {
    await withPostgresClient(url, (client) => client.query(`create schema "${schema}"`));
  }
  let dropped = false;
  return {
    url,
    schema,
    async drop() {
      if (dropped) return;
      await withPostgresClient(url, (client) => client.query(`drop schema if exists "${schema}" cascade`));
      dropped = true;
    },
  };
}

/** True when the test database answers; lets a suite say why it cannot run. */
export async function postgresReachable(url = testPostgresUrl()): Promise<boolean> {
  try {
    await withPostgresClient(url, (client) => client.query("select 1"));
    return true;
  } catch {
    return false;
  }
}

/** A relay in front of a PostgreSQL server, and the URL that goes through it. */
export interface PostgresRelay extends TcpRelay {
  /** `url` with its host and port replaced by the relay's (path and query kept). */
  readonly url: string;
}

/**
 * Puts a TCP relay between the code under test and the PostgreSQL server `url`
 * names: `stop()` looks like the database going down (connections cut, port
 * closed), `start()` like it coming back, and the real server is never touched.
 */
export async function startPostgresRelay(url = testPostgresUrl()): Promise<PostgresRelay> {
  const target = new URL(url);
  const relay = await startTcpRelay({ host: target.hostname || "127.0.0.1", port: Number(target.port || 5432) });
  const relayed = new URL(url);
  relayed.hostname = "127.0.0.1";
  relayed.port = String(relay.port);
  return {
    url: relayed.toString(),
    port: relay.port,
    get connections() {
      return relay.connections;
    },
    stop: () => relay.stop(),
    start: () => relay.start(),
  };
}
