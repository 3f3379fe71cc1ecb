import { openEventStore } from "@annals/store";
import { bindPort } from "./bound-port.js";
import { ConfigError, loadConfig, type ServerConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { readSchemaFiles } from "./schemas/schema-set.js";
import { startServer } from "./server.js";
import { readMasterKey } from "./master-key.js";
import { createAuthenticator } from "./security/authenticator.js";
import { checkExposure } from "./security/exposure.js";
import { readTlsFiles } from "./security/tls-files.js";
import { parseCorsOrigins } from "./security/cors.js";


/**
 * Binds the port, opens the store, serves until SIGINT/SIGTERM. The port comes
 * first: when it is in use, this rejects before the database is created or migrated.
 */
export async function serve(config: ServerConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, pretty: config.logFormat === "auto" ? undefined : config.logFormat === "pretty" });
  // Before the port and the database: an unreadable schemas file stops the start at once.
  const schemas = readSchemaFiles(config.schemas.split(",").map((path) => path.trim()).filter((path) => path !== ""));
  const masterKey = readMasterKey(config.masterKeyFile);
  const insecure = checkExposure(config);
  const tls = config.tlsCert ? readTlsFiles(config.tlsCert, config.tlsKey, config.tlsClientCa) : undefined;
  const authenticator = await createAuthenticator({
    apiKeysFile: config.apiKeys || undefined,
    jwt: config.jwtKeys ? { keysFile: config.jwtKeys, issuer: config.jwtIssuer, audience: config.jwtAudience, clockSkewS: config.jwtClockSkewS } : undefined,
    principals: config.principals,
    clientCertificates: config.tlsClientCa !== "",
  });
  const bound = await bindPort(config.port, config.host);
  const store = await openEventStore({
    database: config.db,
    sqliteDriver: config.sqliteDriver,
    sqliteSynchronous: config.sqliteSynchronous,
    sqliteWriter: config.sqliteWriter,
    postgresPoolSize: config.pgPoolSize,
    masterKey,
    postgresOrdering: config.pgOrdering,
    limits: { maxEventsPerAppend: config.maxEventsPerAppend, maxAppendBytes: config.maxAppendBytes, maxMetadataEntries: config.maxMetadataEntries },
  }).catch(async (error: unknown) => {
    await bound.close();
    throw error;
  });
  const server = await startServer({
    store,
    listen: bound,
    logger,
    port: config.port,
    host: config.host,
    shutdownGraceMs: config.shutdownGraceMs,
    metrics: config.metrics,
    healthProbeIntervalMs: config.healthProbeIntervalMs,
    healthProbeTimeoutMs: config.healthProbeTimeoutMs,
    grpcFastPath: config.grpcFastPath,
    schemas,
    console: config.console ? undefined : false,
    authenticator,
    tls,
    corsOrigins: parseCorsOrigins(config.corsOrigin),
    metricsPublic: config.metricsPublic,
    reflectionPublic: config.reflectionPublic,
    connections: {
      headersTimeoutMs: config.headersTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      keepAliveIntervalMs: config.keepAliveIntervalMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      maxConnections: config.maxConnections,
      maxConcurrentStreams: config.maxConcurrentStreams,
      maxStreamResets: config.maxStreamResets,
    },
    scavenge: { intervalMs: config.scavengeIntervalMs, batchSize: config.scavengeBatchSize, pauseMs: config.scavengePauseMs },
  }).catch(async (error: unknown) => {
    await bound.close();
    await store.close();
    throw error;
  });
  if (insecure) logger.warn({ insecure: true }, insecure);
  const security = authenticator ? `authentication: ${authenticator.methods.join(", ")}` : insecure ? "no authentication (--insecure)" : "loopback only, no authentication";
  logger.info(
    { url: server.url, host: config.host, port: server.port, backend: store.backend, authentication: authenticator?.methods ?? [] },
    `annals listening on ${config.host}:${server.port}${tls ? " with TLS" : ""} (${security})`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => {
        logger.info("stopped");
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  if (tls) {
    process.on("SIGHUP", () => {
      try {
        server.setTls(readTlsFiles(config.tlsCert, config.tlsKey, config.tlsClientCa));
        logger.info({ cert: config.tlsCert }, "TLS certificate reloaded");
      } catch (error) {
        logger.error({ err: error }, `TLS certificate not reloaded, the current one stays: ${(error as Error).message}`);
      }
    });
  }
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

const isEntry = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  let config: ServerConfig;
  try {
    config = loadConfig({ argv: process.argv.slice(2) });
    checkExposure(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`annals: ${error.message}\n`);
    process.exit(2);
  }
  serve(config).catch((error: unknown) => {
    process.stderr.write(`annals: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
