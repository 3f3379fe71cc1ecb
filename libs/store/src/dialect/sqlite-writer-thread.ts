import { statSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { applyBatch } from "../sql/append-batch-sqlite.js";
import { sqlitePragmas } from "./sqlite-pragmas.js";
import { decodeCommands, encodeError, encodeOutcome, type WriterReply, type WriterRequest, type WriterThreadSetup } from "./sqlite-writer-protocol.js";

/**
 * The SQLite writer thread (`sqliteWriter: "worker"`): owns one better-sqlite3
 * connection and runs each group commit on it — BEGIN IMMEDIATE, the batch, COMMIT —
 * so that the statements and COMMIT's fsync block this thread, not the event loop
 * that serves calls. Requests are answered one after the other, in order.
 */
const setup = workerData as WriterThreadSetup;
const port = parentPort!;

// Waiting for another connection's lock blocks only this thread: wait in SQLite.
const db = new Database(setup.filename);
for (const pragma of sqlitePragmas(setup.synchronous, 10_000)) db.pragma(pragma);
const begin = db.prepare("BEGIN IMMEDIATE");
const commit = db.prepare("COMMIT");
const rollback = db.prepare("ROLLBACK");

/** The same check as the dialect's `verify`: never commit into a file nobody will open again. */
function verifyIdentity(): void {
  const { identity } = setup;
  if (identity === undefined) return;
  let now: { dev: number; ino: number } | undefined;
  try {
    now = statSync(setup.filename);
  } catch {
    now = undefined;
  }
  if (now === undefined || now.dev !== identity.dev || now.ino !== identity.ino) {
    throw Object.assign(new Error(`the database file ${setup.filename} was ${now === undefined ? "removed" : "replaced"} while the store had it open`), {
      code: "ANNALS_DATABASE_UNUSABLE",
    });
  }
}

port.on("message", (request: WriterRequest | null) => {
  if (request === null) {
    // The store is closing: nothing is in flight any more.
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    const commands = decodeCommands(request);
    begin.run();
    try {
      const outcome = applyBatch(db, commands, request.now);
      verifyIdentity();
      commit.run();
      reply = { id: request.id, outcome: encodeOutcome(commands, outcome) };
    } catch (error) {
      if (db.inTransaction) {
        try {
          rollback.run();
        } catch {
          // The transaction is gone with the error that ended it.
        }
      }
      throw error;
    }
  } catch (error) {
    reply = { id: request.id, error: encodeError(error) };
  }
  port.postMessage(reply);
});
