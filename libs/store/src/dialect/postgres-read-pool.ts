import type { ClientConfig } from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import postgres from "postgres";

/** The connections that read pages of events (`sql/select-events-postgres.ts`). */
export type PostgresReadPool = postgres.Sql;

export interface PostgresReadPoolOptions {
  /** The store's `postgres://` connection string, read as node-postgres reads it (TLS files and all). */
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

/** TLS when the connection string says nothing of it: `PGSSLMODE`, read as node-postgres reads it. */
function sslFromEnvironment(): ClientConfig["ssl"] {
  switch (process.env.PGSSLMODE) {
    case "prefer":
    case "require":
    case "verify-ca":
    case "verify-full":
      return true;
    case "no-verify":
      return { rejectUnauthorized: false };
    default:
      return false;
  }
}

function quotedIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Where node-postgres would connect: a host and port, or the Unix socket in a directory `host`. */
function address(config: ClientConfig): { host?: string; port?: number; path?: string } {
  const port = config.port === undefined || config.port === null ? undefined : Number(config.port);
  if (typeof config.host === "string" && config.host.startsWith("/")) return { path: `${config.host}/.s.PGSQL.${port ?? 5432}` };
  return { host: config.host ?? undefined, port };
}

/**
 * The pool of connections that read pages, on postgres.js: it decodes rows with about
 * half the CPU node-postgres spends on them, and long reads are bound by that
 * (`tools/bench`, `bench:postgres -- --peers --only read`). Its sessions are set up
 * as the store's others are: the same address, user, TLS settings and application
 * name (the connection string read by node-postgres's own parser), the schema as the
 * search path, the planner settings. Connections open on first use and close when idle.
 */
export function createPostgresReadPool(options: PostgresReadPoolOptions): PostgresReadPool {
  const config = parseIntoClientConfig(options.connectionString) as ClientConfig & { options?: string };
  const connection: Record<string, string> = { ...options.settings, search_path: quotedIdentifier(options.schema) };
  if (typeof config.application_name === "string") connection.application_name = config.application_name;
  if (typeof config.options === "string") connection.options = config.options;
  return postgres({
    ...address(config),
    database: config.database ?? undefined,
    user: config.user ?? undefined,
    password: typeof config.password === "string" ? config.password : undefined,
    ssl: config.ssl ?? sslFromEnvironment(),
    max: options.size,
    connect_timeout: options.connectTimeoutMs / 1000,
    idle_timeout: idleTimeoutSeconds,
    connection,
    // Every column a page reads has a built-in type: no catalogue lookup at connect.
    fetch_types: false,
    onnotice: () => undefined,
  });
}
