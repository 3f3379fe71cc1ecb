import { mkdtempSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEventStore } from "./open-event-store.js";
import type { SqliteDriver, SqliteWriter } from "./dialect/sqlite.js";
import { describeEventStoreConformance } from "./testing/conformance.js";

// better-sqlite3 on the event loop (the default) and with its writer thread; sqlite3.
const configurations: Array<{ driver: SqliteDriver; writer: SqliteWriter }> = [
  { driver: "better-sqlite3", writer: "worker" },
  { driver: "better-sqlite3", writer: "main" },
  { driver: "sqlite3", writer: "main" },
];

for (const { driver, writer } of configurations) {
  describeEventStoreConformance(`sqlite (${driver}, writer ${writer})`, async () => {
    const folder = mkdtempSync(join(tmpdir(), "annals-store-"));
    const database = join(folder, "annals.db");
    const open = () => openEventStore({ database, sqliteDriver: driver, sqliteWriter: writer });
    return {
      store: await open(),
      openAnother: open,
      cleanup: async () => rmSync(folder, { recursive: true, force: true }),
    };
  });
}

// The full reproduction of pages too large for SQLite (130 appends of 4 MiB: one
// page of them would be a value past SQLite's 512 MiB limit): about 550 MB on disk
// and a minute, so behind a flag. `ANNALS_HEAVY=1 npx vitest run libs/store/src/sqlite.int.spec.ts`
describe.runIf(process.env.ANNALS_HEAVY === "1")("sqlite: events at the append limit, many of them", () => {
  it("stay readable by every read: ReadAll, ReadStream, subscription catch-up", { timeout: 600_000 }, async () => {
    const folder = mkdtempSync(join(tmpdir(), "annals-heavy-"));
    const store = await openEventStore({ database: join(folder, "annals.db") });
    try {
      const data = new Uint8Array(4 * 1024 * 1024 - 64).fill(7);
      for (let index = 0; index < 130; index += 1) await store.appendToStream("big", [{ type: "t", data }]);
      let count = 0;
      for await (const page of store.readAll()) count += page.length;
      expect(count).toBe(130);
      count = 0;
      for await (const page of store.readStream("big")) count += page.length;
      expect(count).toBe(130);
      const subscription = store.subscribe({ target: { kind: "all" } });
      count = 0;
      for await (const message of subscription) {
        if (message.kind === "events") count += message.events.length;
        if (message.kind === "caught-up") break;
      }
      subscription.close();
      expect(count).toBe(130);
    } finally {
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
