import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { defaultLimits } from "@annals/store";
import { defaultConnectionLimits as connection } from "./transport/connection-limits.js";
import { parseCorsOrigins } from "./security/cors.js";

/** Every server setting, in one place. */
export interface ServerConfig {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** SQLite file path, or a postgres:// URL. */
  db: string;
  /** SQLite driver. */
  sqliteDriver: "better-sqlite3" | "sqlite3";
  /** SQLite `synchronous` pragma. */
  sqliteSynchronous: "FULL" | "NORMAL";
  /** Where SQLite appends are written: a writer thread, or the event loop. */
  sqliteWriter: "worker" | "main";
  /** PostgreSQL connection pool size. */
  pgPoolSize: number;
  /** How PostgreSQL appends are ordered. */
  pgOrdering: "lock" | "xid";
  /** Log level. */
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Most events in one append. */
  maxEventsPerAppend: number;
  /** Most bytes of data, types and metadata in one append. */
  maxAppendBytes: number;
  /** Most metadata entries in one event. */
  maxMetadataEntries: number;
  /** How long a graceful shutdown waits for in-flight calls, ms. */
  shutdownGraceMs: number;
  /** Log format: JSON lines, human-readable, or pretty on a terminal only. */
  logFormat: "auto" | "json" | "pretty";
  /** Serve Prometheus metrics on `GET /metrics`. */
  metrics: boolean;
  /** Interval between database health probes, ms. */
  healthProbeIntervalMs: number;
  /** A database probe slower than this marks the server NOT_SERVING, ms. */
  healthProbeTimeoutMs: number;
  /** Answer unary gRPC calls straight on the HTTP/2 stream, past the Connect adapter. */
  grpcFastPath: boolean;
  /** FileDescriptorSet files the deployment registers (comma-separated paths): event types GetSchemas describes. */
  schemas: string;
  /** Serve the web console at `/console` (`GET /` redirects there). */
  console: boolean;
  /** A new connection shows its protocol, and an HTTP/1.1 request its headers, within this, ms. */
  headersTimeoutMs: number;
  /** A connection with no call in progress for this long is closed, ms. */
  idleTimeoutMs: number;
  /** Interval between HTTP/2 PINGs, ms. */
  keepAliveIntervalMs: number;
  /** A PING unanswered for this long closes the connection, ms. */
  keepAliveTimeoutMs: number;
  /** Most connections open at once. */
  maxConnections: number;
  /** Most HTTP/2 streams open at once on one connection. */
  maxConcurrentStreams: number;
  /** Most streams a client may reset on one connection within 10 s. */
  maxStreamResets: number;
  /** Pause between background scavenge passes, ms; 0: none. */
  scavengeIntervalMs: number;
  /** Positions a scavenge transaction examines. */
  scavengeBatchSize: number;
  /** Pause between scavenge transactions, ms. */
  scavengePauseMs: number;
  /** File holding the master key that wraps data subjects' keys; empty: none. */
  masterKeyFile: string;
  /** Listen beyond loopback without authentication (logged as a warning at every start). */
  insecure: boolean;
  /** API keys file (JSON): each key's sha256, its principal and grants. */
  apiKeys: string;
  /** JWT verification keys: a JWKS file, or a PEM / JWK public key file. */
  jwtKeys: string;
  /** A JWT's required `iss`. */
  jwtIssuer: string;
  /** A JWT's required `aud`. */
  jwtAudience: string;
  /** Clock skew tolerated on a JWT's `exp` / `nbf`, seconds. */
  jwtClockSkewS: number;
  /** Serve `GET /metrics` without authentication. */
  metricsPublic: boolean;
  /** Serve gRPC reflection without authentication. */
  reflectionPublic: boolean;
  /** TLS certificate chain, PEM file. */
  tlsCert: string;
  /** TLS private key, PEM file. */
  tlsKey: string;
  /** CA whose client certificates authenticate (mTLS), PEM file. */
  tlsClientCa: string;
  /** Origins whose pages may call the server (CORS), comma-separated. */
  corsOrigin: string;
  /** Grants by principal (config file only: `principals`). */
  principals: Record<string, unknown>;
}

type Kind = "integer" | "string" | "boolean" | readonly string[];

interface Setting {
  key: keyof ServerConfig;
  flag: string;
  env: string;
  kind: Kind;
  default: ServerConfig[keyof ServerConfig];
  min?: number;
  max?: number;
  description: string;
}

/** The settings table: flag, environment variable, default. The README lists the same. */
export const settings: readonly Setting[] = [
  { key: "port", flag: "port", env: "ANNALS_PORT", kind: "integer", default: 50051, min: 0, max: 65535, description: "TCP port (gRPC, gRPC-Web and Connect on one port)" },
  { key: "host", flag: "host", env: "ANNALS_HOST", kind: "string", default: "127.0.0.1", description: "interface to listen on; any address beyond loopback needs authentication (`apiKeys`, `jwtKeys`) or `insecure`" },
  { key: "db", flag: "db", env: "ANNALS_DB", kind: "string", default: "./data/annals.db", description: "SQLite file path, or a postgres:// URL" },
  { key: "sqliteDriver", flag: "sqlite-driver", env: "ANNALS_SQLITE_DRIVER", kind: ["better-sqlite3", "sqlite3"], default: "better-sqlite3", description: "SQLite driver" },
  { key: "sqliteSynchronous", flag: "sqlite-synchronous", env: "ANNALS_SQLITE_SYNCHRONOUS", kind: ["FULL", "NORMAL"], default: "FULL", description: "FULL survives power loss, NORMAL only a process crash" },
  { key: "sqliteWriter", flag: "sqlite-writer", env: "ANNALS_SQLITE_WRITER", kind: ["main", "worker"], default: "main", description: "where SQLite appends are written (better-sqlite3): main, on the event loop; worker, a writer thread, so that statements and COMMIT's fsync never block the event loop serving calls (measured no faster on 2 shared cores: see the benchmarks)" },
  { key: "pgPoolSize", flag: "pg-pool-size", env: "ANNALS_PG_POOL_SIZE", kind: "integer", default: 10, min: 1, max: 1000, description: "PostgreSQL connections of an instance, half for page reads" },
  { key: "pgOrdering", flag: "pg-ordering", env: "ANNALS_PG_ORDERING", kind: ["lock", "xid"], default: "lock", description: "how PostgreSQL appends are ordered: lock (an advisory lock until commit; positions without holes) or xid (parallel commits, positions in transaction-id order, readers keep below the snapshot's xmin; a rolled-back append leaves a hole in positions)" },
  { key: "logLevel", flag: "log-level", env: "ANNALS_LOG_LEVEL", kind: ["fatal", "error", "warn", "info", "debug", "trace", "silent"], default: "info", description: "log level" },
  { key: "maxEventsPerAppend", flag: "max-events-per-append", env: "ANNALS_MAX_EVENTS_PER_APPEND", kind: "integer", default: defaultLimits.maxEventsPerAppend, min: 1, max: 1_000_000, description: "most events in one append" },
  { key: "maxAppendBytes", flag: "max-append-bytes", env: "ANNALS_MAX_APPEND_BYTES", kind: "integer", default: defaultLimits.maxAppendBytes, min: 1024, max: 256 * 1024 * 1024, description: "most bytes of data, types and metadata in one append (UTF-8; each metadata entry counts 8 bytes more); the default leaves room for every event to read back in a message under 4 MiB, gRPC clients' default limit" },
  { key: "maxMetadataEntries", flag: "max-metadata-entries", env: "ANNALS_MAX_METADATA_ENTRIES", kind: "integer", default: defaultLimits.maxMetadataEntries, min: 1, max: 100_000, description: "most metadata entries in one event" },
  { key: "shutdownGraceMs", flag: "shutdown-grace-ms", env: "ANNALS_SHUTDOWN_GRACE_MS", kind: "integer", default: 10_000, min: 0, max: 600_000, description: "how long shutdown waits for in-flight calls" },
  { key: "logFormat", flag: "log-format", env: "ANNALS_LOG_FORMAT", kind: ["auto", "json", "pretty"], default: "auto", description: "log lines as JSON, pretty, or auto: pretty on a terminal, else JSON" },
  { key: "metrics", flag: "metrics", env: "ANNALS_METRICS", kind: "boolean", default: true, description: "serve Prometheus metrics on GET /metrics" },
  { key: "healthProbeIntervalMs", flag: "health-probe-interval-ms", env: "ANNALS_HEALTH_PROBE_INTERVAL_MS", kind: "integer", default: 5_000, min: 100, max: 600_000, description: "interval between database health probes" },
  { key: "healthProbeTimeoutMs", flag: "health-probe-timeout-ms", env: "ANNALS_HEALTH_PROBE_TIMEOUT_MS", kind: "integer", default: 2_000, min: 10, max: 600_000, description: "a slower database probe reports NOT_SERVING" },
  { key: "grpcFastPath", flag: "grpc-fast-path", env: "ANNALS_GRPC_FAST_PATH", kind: "boolean", default: true, description: "answer unary gRPC calls and ReadStream / ReadAll (binary, uncompressed) straight on the HTTP/2 stream; false sends every call through the Connect adapter" },
  { key: "schemas", flag: "schemas", env: "ANNALS_SCHEMAS", kind: "string", default: "", description: "FileDescriptorSet files (`buf build -o schemas.binpb`), comma-separated: the event types GetSchemas describes, so the console decodes their payloads" },
  { key: "console", flag: "console", env: "ANNALS_CONSOLE", kind: "boolean", default: true, description: "serve the web console at /console (GET / redirects there)" },
  { key: "headersTimeoutMs", flag: "headers-timeout-ms", env: "ANNALS_HEADERS_TIMEOUT_MS", kind: "integer", default: connection.headersTimeoutMs, min: 100, max: 600_000, description: "a new connection must show its protocol, and an HTTP/1.1 request its complete headers, within this (slowloris); else 408 and close" },
  { key: "idleTimeoutMs", flag: "idle-timeout-ms", env: "ANNALS_IDLE_TIMEOUT_MS", kind: "integer", default: connection.idleTimeoutMs, min: 100, max: 86_400_000, description: "a connection with no call in progress for this long is closed (HTTP/2: GOAWAY); longer than load balancers' usual 60 s" },
  { key: "keepAliveIntervalMs", flag: "keepalive-interval-ms", env: "ANNALS_KEEPALIVE_INTERVAL_MS", kind: "integer", default: connection.keepAliveIntervalMs, min: 100, max: 3_600_000, description: "interval between HTTP/2 PINGs to each client" },
  { key: "keepAliveTimeoutMs", flag: "keepalive-timeout-ms", env: "ANNALS_KEEPALIVE_TIMEOUT_MS", kind: "integer", default: connection.keepAliveTimeoutMs, min: 100, max: 600_000, description: "a PING unanswered for this long means the client is gone: its connection, and its calls, end" },
  { key: "maxConnections", flag: "max-connections", env: "ANNALS_MAX_CONNECTIONS", kind: "integer", default: connection.maxConnections, min: 1, max: 1_000_000, description: "most connections open at once; more are refused (HTTP/1.1 503, HTTP/2 GOAWAY REFUSED_STREAM); keep below the open-file limit (ulimit -n)" },
  { key: "maxConcurrentStreams", flag: "max-concurrent-streams", env: "ANNALS_MAX_CONCURRENT_STREAMS", kind: "integer", default: connection.maxConcurrentStreams, min: 1, max: 100_000, description: "most HTTP/2 streams (calls, subscriptions) open at once on one connection" },
  { key: "maxStreamResets", flag: "max-stream-resets", env: "ANNALS_MAX_STREAM_RESETS", kind: "integer", default: connection.maxStreamResets, min: 1, max: 1_000_000, description: "most streams a client may reset on one connection within 10 s; past that, GOAWAY ENHANCE_YOUR_CALM and close (rapid reset)" },
  { key: "scavengeIntervalMs", flag: "scavenge-interval-ms", env: "ANNALS_SCAVENGE_INTERVAL_MS", kind: "integer", default: 300_000, min: 0, max: 86_400_000, description: "pause between background scavenge passes, which remove the events that stream metadata, deletes and tombstones hide; 0 turns them off (the Scavenge RPC still runs a pass)" },
  { key: "scavengeBatchSize", flag: "scavenge-batch-size", env: "ANNALS_SCAVENGE_BATCH_SIZE", kind: "integer", default: 1_000, min: 1, max: 1_000_000, description: "positions one scavenge transaction examines" },
  { key: "scavengePauseMs", flag: "scavenge-pause-ms", env: "ANNALS_SCAVENGE_PAUSE_MS", kind: "integer", default: 10, min: 0, max: 60_000, description: "pause between scavenge transactions, so that appends keep their latency" },
  { key: "masterKeyFile", flag: "master-key-file", env: "ANNALS_MASTER_KEY_FILE", kind: "string", default: "", description: "file holding the 32-byte master key (raw, or 64 hex digits: `openssl rand -hex 32`) that wraps each data subject's key; without it, events naming a data subject (metadata `$data_subject`) are refused" },
  { key: "insecure", flag: "insecure", env: "ANNALS_INSECURE", kind: "boolean", default: false, description: "listen beyond loopback without authentication (anyone who reaches the port may read and write everything); a warning at every start" },
  { key: "apiKeys", flag: "api-keys", env: "ANNALS_API_KEYS", kind: "string", default: "", description: "API keys file (JSON, see Security): each key's sha256, its principal and grants; a bearer token is checked against it" },
  { key: "jwtKeys", flag: "jwt-keys", env: "ANNALS_JWT_KEYS", kind: "string", default: "", description: "public keys that verify bearer JWTs: a JWKS file, or one PEM (SPKI) or JWK public key file; never fetched from a URL" },
  { key: "jwtIssuer", flag: "jwt-issuer", env: "ANNALS_JWT_ISSUER", kind: "string", default: "", description: "the `iss` a JWT must carry (required with `jwtKeys`)" },
  { key: "jwtAudience", flag: "jwt-audience", env: "ANNALS_JWT_AUDIENCE", kind: "string", default: "", description: "the `aud` a JWT must carry (required with `jwtKeys`)" },
  { key: "jwtClockSkewS", flag: "jwt-clock-skew-s", env: "ANNALS_JWT_CLOCK_SKEW_S", kind: "integer", default: 30, min: 0, max: 300, description: "seconds of clock skew tolerated on a JWT's `exp` and `nbf`" },
  { key: "metricsPublic", flag: "metrics-public", env: "ANNALS_METRICS_PUBLIC", kind: "boolean", default: false, description: "with authentication: serve GET /metrics without a token" },
  { key: "reflectionPublic", flag: "reflection-public", env: "ANNALS_REFLECTION_PUBLIC", kind: "boolean", default: false, description: "with authentication: serve gRPC reflection without a token" },
  { key: "tlsCert", flag: "tls-cert", env: "ANNALS_TLS_CERT", kind: "string", default: "", description: "TLS certificate chain (PEM file): serve TLS, HTTP/2 and HTTP/1.1 on one port by ALPN; reread with the key on SIGHUP" },
  { key: "tlsKey", flag: "tls-key", env: "ANNALS_TLS_KEY", kind: "string", default: "", description: "TLS private key (PEM file), with `tlsCert`" },
  { key: "tlsClientCa", flag: "tls-client-ca", env: "ANNALS_TLS_CLIENT_CA", kind: "string", default: "", description: "with `tlsCert`: the CA (PEM file) whose client certificates authenticate (mTLS); the certificate subject's common name is the principal, its grants under `principals`; a bearer token still works beside it" },
  { key: "corsOrigin", flag: "cors-origin", env: "ANNALS_CORS_ORIGIN", kind: "string", default: "", description: "origins whose pages may call the server from a browser (CORS), comma-separated exact origins such as `https://app.example.com`; no wildcard (calls carry a token); preflights cached 2 h" },
];

/** Config file keys that are not flags: structured settings (`principals`: grants by principal, see Security). */
const fileOnlyKeys = ["principals"] as const;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function parseValue(setting: Setting, raw: unknown, source: string): ServerConfig[keyof ServerConfig] {
  const where = `${setting.key} (from ${source})`;
  if (setting.kind === "integer") {
    const text = String(raw).trim();
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) throw new ConfigError(`${where}: "${String(raw)}" is not an integer`);
    if ((setting.min !== undefined && value < setting.min) || (setting.max !== undefined && value > setting.max)) {
      throw new ConfigError(`${where}: ${value} is outside ${setting.min}..${setting.max}`);
    }
    return value;
  }
  if (setting.kind === "boolean") {
    if (typeof raw === "boolean") return raw;
    const text = String(raw).trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(text)) return true;
    if (["false", "0", "no", "off"].includes(text)) return false;
    throw new ConfigError(`${where}: "${String(raw)}" is not a boolean (true or false)`);
  }
  if (typeof raw !== "string" || raw.length === 0) throw new ConfigError(`${where}: must be a non-empty string`);
  if (Array.isArray(setting.kind) && !setting.kind.includes(raw)) {
    throw new ConfigError(`${where}: "${raw}" is not one of ${setting.kind.join(", ")}`);
  }
  return raw;
}

export interface LoadConfigInput {
  /** Command-line arguments (without node and the script). */
  argv?: readonly string[];
  /** Environment. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads flags, then environment variables, then an optional JSON config file
 * (`--config` / `ANNALS_CONFIG`), then defaults: the first that sets a value wins.
 * Throws `ConfigError` with a one-line message on any bad value or unknown flag.
 */
export function loadConfig(input: LoadConfigInput = {}): ServerConfig {
  const env = input.env ?? process.env;
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: withBareBooleans(input.argv ?? []),
      options: Object.fromEntries([["config", { type: "string" }], ...settings.map((setting) => [setting.flag, { type: "string" }])]),
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const file = readConfigFile((flags["config"] as string | undefined) ?? env["ANNALS_CONFIG"]);
  const config: Record<string, unknown> = {};
  for (const setting of settings) {
    const flag = flags[setting.flag];
    if (flag !== undefined) config[setting.key] = parseValue(setting, flag, `--${setting.flag}`);
    else if (env[setting.env] !== undefined && env[setting.env] !== "") config[setting.key] = parseValue(setting, env[setting.env], setting.env);
    else if (file[setting.key] !== undefined) config[setting.key] = parseValue(setting, typeof file[setting.key] === "number" ? String(file[setting.key]) : file[setting.key], "config file");
    else config[setting.key] = setting.default;
  }
  const principals = file["principals"] ?? {};
  if (typeof principals !== "object" || principals === null || Array.isArray(principals)) throw new ConfigError("principals (from config file): must be an object of grants by principal name");
  config["principals"] = principals;
  try {
    parseCorsOrigins(String(config["corsOrigin"]));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if ((config["tlsCert"] === "") !== (config["tlsKey"] === "")) throw new ConfigError("tlsCert and tlsKey go together: give both or neither");
  if (config["tlsClientCa"] !== "" && config["tlsCert"] === "") throw new ConfigError("tlsClientCa needs tlsCert and tlsKey: client certificates come with TLS");
  return config as unknown as ServerConfig;
}

/** A boolean flag given alone (`--insecure`) means true: `--insecure true` is inserted for it. */
function withBareBooleans(argv: readonly string[]): string[] {
  const booleanFlags = new Set(settings.filter((setting) => setting.kind === "boolean").map((setting) => `--${setting.flag}`));
  const args: string[] = [];
  argv.forEach((arg, index) => {
    args.push(arg);
    const next = argv[index + 1];
    if (booleanFlags.has(arg) && (next === undefined || next.startsWith("--"))) args.push("true");
  });
  return args;
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${path}: must hold a JSON object`);
  const known = new Set<string>([...settings.map((setting) => setting.key), ...fileOnlyKeys]);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(`config file ${path}: unknown setting "${key}"`);
  }
  return parsed as Record<string, unknown>;
}
