import ConnectionParameters from "pg/lib/connection-parameters";
import postgres from "postgres";

/** The connections that read pages of events (`sql/select-events-postgres.ts`). */
export type PostgresReadPool = postgres.Sql;

export interface PostgresReadPoolOptions {
  /** The store's `postgres://` connection string, read as node-postgres reads it (TLS files and environment defaults included). */
  connectionString: string;
  /** The store's schema, the sessions' `search_path`. */
  schema: string;
  /** Most connections. */
  size: number;
  /** Longest wait to open one connection. */
  connectTimeoutMs: number;
  /** Run-time parameters every session starts with (the planner settings of `postgres.ts`). */
  settings: Readonly<Record<string, string>>;
}

/** An idle read connection is closed after this long, as knex's pool does with its own. */
const idleTimeoutSeconds = 30;

function quotedIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Where node-postgres connects: a host and port, or the Unix socket in a directory `host`. */
function address(parameters: ConnectionParameters): { host?: string; port?: number; path?: string } {
  if (parameters.host?.startsWith("/") === true) return { path: `${parameters.host}/.s.PGSQL.${parameters.port}` };
  return { host: parameters.host, port: parameters.port };
}

/** node-postgres's TLS options as postgres.js takes them: it copies them, and node-postgres hides the key from copies. */
function tls(ssl: ConnectionParameters["ssl"]): postgres.Options<Record<string, never>>["ssl"] {
  return typeof ssl === "object" ? { ...ssl, key: ssl.key } : (ssl ?? false);
}

/**
 * The pool of connections that read pages, on postgres.js: it decodes rows with about
 * half the CPU node-postgres spends on them, and long reads are bound by that
 * (`tools/bench`, `bench:postgres -- --peers --only read`). Its sessions are set up
 * as the store's others are: the same address, user, TLS settings and application
 * name (node-postgres's own reading of the connection string), the schema as the
 * search path, the planner settings. Connections open on first use and close when idle.
 */
export function createPostgresReadPool(options: PostgresReadPoolOptions): PostgresReadPool {
  // node-postgres's reading of the URL, its environment defaults (`PGHOST`, `PGSSLMODE`, …) included.
  const parameters = new ConnectionParameters(options.connectionString);
  const connection: Record<string, string> = { ...options.settings, search_path: quotedIdentifier(options.schema) };
  if (parameters.application_name !== undefined) connection.application_name = parameters.application_name;
  if (parameters.options !== undefined) connection.options = parameters.options;
  return postgres({
    ...address(parameters),
    database: parameters.database,
    user: parameters.user,
    password: typeof parameters.password === "string" ? parameters.password : undefined,
    ssl: tls(parameters.ssl),
    max: options.size,
    connect_timeout: options.connectTimeoutMs / 1000,
    idle_timeout: idleTimeoutSeconds,
    connection,
    // Every column a page reads has a built-in type: no catalogue lookup at connect.
    fetch_types: false,
    onnotice: () => undefined,
  });
}
