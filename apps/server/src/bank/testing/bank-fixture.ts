import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBankClient, type BankClient } from "@annals/sdk";
import { openEventStore, type EventStore } from "@annals/store";
import { createLogger } from "../../logger.js";
import { startServer, type AnnalsServer } from "../../server.js";
import type { BankOptions } from "../bank.js";

/** A database for the bank tests, whatever the backend. */
export interface BankDatabase {
  /** Opens a store on the database; again after a restart, or twice for two server instances. */
  openStore(): Promise<EventStore>;
  /** Deletes the database. Every store is closed by then. */
  cleanup(): Promise<void>;
}

/** Gives each test file a fresh database. */
export type BankDatabaseFactory = () => Promise<BankDatabase>;

/** A fresh SQLite file in a temporary folder. */
export const sqliteBankDatabase: BankDatabaseFactory = async () => {
  const folder = mkdtempSync(join(tmpdir(), "annals-bank-"));
  const database = join(folder, "annals.db");
  return {
    openStore: () => openEventStore({ database }),
    cleanup: async () => rmSync(folder, { recursive: true, force: true }),
  };
};

export interface BankServer {
  server: AnnalsServer;
  store: EventStore;
  url: string;
  /** Stops the server and closes its store; the database stays. */
  stop(): Promise<void>;
}

/** A real server on a free port of 127.0.0.1, on the fixture's database. */
export async function startBankServer(database: BankDatabase, bank: BankOptions = {}): Promise<BankServer> {
  const store = await database.openStore();
  const server = await startServer({
    store,
    logger: createLogger({ level: "silent", pretty: false }),
    port: 0,
    host: "127.0.0.1",
    shutdownGraceMs: 2_000,
    metrics: false,
    bank: { projectionPollMs: 50, ...bank },
  });
  return { server, store, url: server.url, stop: () => server.close() };
}

/** Waits until the accounts read model has processed up to `position`. */
export async function waitForProjection(client: BankClient, position: bigint, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { checkpoint } = await client.listAccounts({ pageSize: 1 });
    if (checkpoint >= position) return;
    if (Date.now() > deadline) throw new Error(`the accounts projection is at ${checkpoint}, not at ${position} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A small seeded pseudo-random generator (mulberry32), so that failures replay. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A random amount of money with up to two decimal places, from 0.01 to `max`. */
export function randomAmount(random: () => number, max = 200): string {
  const text = ((1 + Math.floor(random() * max * 100)) / 100).toFixed(2);
  // Sometimes without trailing zeros: "12.5", "12".
  return random() < 0.3 ? text.replace(/\.?0+$/, "") : text;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function bankClient(url: string, options: { protocol?: "grpc" | "connect"; actor?: string } = {}): BankClient {
  return createBankClient({ baseUrl: url, ...options });
}
