import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEventStore, type EventStore } from "@annals/store";
import { createLogger } from "../logger.js";
import { startServer, type AnnalsServer } from "../server.js";

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
export async function startTestServer(options: { database?: string } = {}): Promise<TestServer> {
  const folder = options.database ? undefined : mkdtempSync(join(tmpdir(), "annals-e2e-"));
  const database = options.database ?? join(folder!, "annals.db");
  const store = await openEventStore({ database });
  const server = await startServer({ store, logger: createLogger({ level: "silent", pretty: false }), port: 0, host: "127.0.0.1", shutdownGraceMs: 2_000 });
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
