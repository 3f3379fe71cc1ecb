import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Message DB (`@eventide/message-db`): its SQL install scripts, run into a database of
 * one's own in the order its `install.sh` runs them. The cluster-wide steps (the
 * `message_store` role and its grants) are left out; the database's search_path names
 * the `message_store` schema instead.
 */
const scripts = [
  "schema/message-store.sql",
  "extensions/pgcrypto.sql",
  "tables/messages.sql",
  "types/message.sql",
  "functions/message-store-version.sql",
  "functions/hash-64.sql",
  "functions/acquire-lock.sql",
  "functions/category.sql",
  "functions/is-category.sql",
  "functions/id.sql",
  "functions/cardinal-id.sql",
  "functions/stream-version.sql",
  "functions/write-message.sql",
  "functions/get-stream-messages.sql",
  "functions/get-category-messages.sql",
  "functions/get-last-stream-message.sql",
  "indexes/messages-id.sql",
  "indexes/messages-stream.sql",
  "indexes/messages-category.sql",
];

export function messageDbDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@eventide/message-db/package.json")), "database");
}

export function messageDbVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("@eventide/message-db/package.json") as { version: string }).version;
}

/**
 * Drops the `message_store` schema of the database at `url` (which must exist) and
 * installs Message DB afresh with `psql`.
 */
export function installMessageDb(url: string): void {
  const database = messageDbDirectory();
  const psql = (args: string[]) => execFileSync("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-d", url, ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" } });
  psql(["-c", "drop schema if exists message_store cascade"]);
  for (const script of scripts) psql(["-f", join(database, script)]);
  psql(["-c", "do $$ begin execute format('alter database %I set search_path = message_store, public', current_database()); end $$"]);
}
