import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEventStore } from "./open-event-store.js";
import type { SqliteDriver } from "./dialect/sqlite.js";
import { describeEventStoreConformance } from "./testing/conformance.js";

for (const driver of ["better-sqlite3", "sqlite3"] as SqliteDriver[]) {
  describeEventStoreConformance(`sqlite (${driver})`, async () => {
    const folder = mkdtempSync(join(tmpdir(), "annals-store-"));
    const database = join(folder, "annals.db");
    const open = () => openEventStore({ database, sqliteDriver: driver });
    return {
      store: await open(),
      openAnother: open,
      cleanup: async () => rmSync(folder, { recursive: true, force: true }),
    };
  });
}
