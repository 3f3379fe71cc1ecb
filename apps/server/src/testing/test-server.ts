import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEventStore, type EventStore, type OpenEventStoreOptions } from "@annals/store";
import { createLogger } from "../logger.js";
import { startServer, type AnnalsServer, type AnnalsServerOptions } from "../server.js";

export interface TestServer {
  server: AnnalsServer;
  store: EventStore;
  url: string;
  /** The SQLite file behind the server. */
  database: string;
  /** Stops the server and deletes its database. */
  stop(): Promise<void>;
}

/** A real server on a free port of 127.0.0.1, on a fresh SQLite file. */
export interface TestServerOptions {
  /** Default: a fresh SQLite file in a temporary folder. */
  database?: string;
  /** Server options besides the store, port and host. Default: a silent logger. */
  server?: Partial<Omit<AnnalsServerOptions, "store" | "port" | "host">>;
  /** Options of the store besides its database, e.g. a master key. */
  storeOptions?: Omit<OpenEventStoreOptions, "database">;
  /** Wraps the store the server uses, e.g. to inject faults. */
  wrapStore?: (store: EventStore) => EventStore;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const folder = options.database ? undefined : mkdtempSync(join(tmpdir(), "annals-e2e-"));
  const database = options.database ?? join(folder!, "annals.db");
  const store = await openEventStore({ ...options.storeOptions, database });
  const server = await startServer({
    logger: createLogger({ level: "silent", pretty: false }),
    shutdownGraceMs: 2_000,
    ...options.server,
    store: options.wrapStore ? options.wrapStore(store) : store,
    port: 0,
    host: "127.0.0.1",
  });
  return {
    server,
    store,
    url: server.url,
    database,
    async stop() {
      await server.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
    },
  };
}
