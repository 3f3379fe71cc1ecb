import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { createAuthenticator, createLogger, startServer, type AnnalsServer } from "@annals/server";
import { createTestCredentials } from "@annals/server/testing/credentials";
import { openEventStore, type EventStore } from "@annals/store";
import { createThrowawaySchema } from "@annals/store/testing-postgres";
import { startBankService, type BankService, type BankServiceOptions } from "../bank-service.js";
import { createBankClient, type BankClient } from "../client.js";

/**
 * The databases behind one bank deployment: the event store's and the bank's
 * own, on one backend. Tests open servers on them, restart them, and run two of
 * each at once.
 */
export interface BankDatabase {
  /** Opens an event store on the event store's database (again after a restart, or twice for two servers). */
  openStore(): Promise<EventStore>;
  /** The bank's own database (read model, snapshots): a SQLite path or a postgres URL naming a schema. */
  readonly bankDatabase: string;
  /** Deletes both databases. Every server is stopped by then. */
  cleanup(): Promise<void>;
}

/** Gives each test file fresh databases. */
export type BankDatabaseFactory = () => Promise<BankDatabase>;

/** Fresh SQLite files in a temporary folder. */
export const sqliteBankDatabase: BankDatabaseFactory = async () => {
  const folder = mkdtempSync(join(tmpdir(), "annals-bank-"));
  const database = join(folder, "annals.db");
  return {
    openStore: () => openEventStore({ database }),
    bankDatabase: join(folder, "bank.db"),
    cleanup: async () => rmSync(folder, { recursive: true, force: true }),
  };
};

/** Throwaway PostgreSQL schemas: one for the event store, one for the bank. */
export const postgresBankDatabase: BankDatabaseFactory = async () => {
  const events = await createThrowawaySchema();
  const bank = await createThrowawaySchema();
  return {
    openStore: () => openEventStore({ database: events.url, postgresSchema: events.schema, postgresPoolSize: 4 }),
    bankDatabase: `${bank.url}?schema=${bank.schema}`,
    cleanup: async () => {
      await events.drop();
      await bank.drop();
    },
  };
};

/** An event store server and a bank service in front of it, each on a free port of 127.0.0.1. */
export interface BankServer {
  /** The event store server. */
  eventStore: AnnalsServer;
  /** Its store, for the tests' own checks. */
  store: EventStore;
  /** The bank's SDK client of the event store. */
  client: AnnalsClient;
  bank: BankService;
  /** The bank service's address. */
  url: string;
  /** Stops the bank, then the event store; the databases stay. */
  stop(): Promise<void>;
}

/** What the bank's own principal is granted on the event store: its account streams, and $all for its read model. */
export const bankGrants = { read: ["account-"], write: ["account-"], readAll: true, checkpoints: ["bank-"] };

/**
 * Starts an event store server on the fixture's database, with authentication,
 * and a bank service that reaches it over gRPC with its own API key.
 */
export async function startBankServer(database: BankDatabase, bank: Partial<Omit<BankServiceOptions, "client" | "database">> = {}): Promise<BankServer> {
  const store = await database.openStore();
  const credentials = await createTestCredentials({ bank: { grants: bankGrants } });
  const authenticator = await createAuthenticator({ apiKeysFile: credentials.apiKeysFile });
  const token = credentials.apiKey("bank");
  credentials.remove();
  const eventStore = await startServer({
    authenticator,
    store,
    logger: createLogger({ level: "silent", pretty: false }),
    port: 0,
    host: "127.0.0.1",
    shutdownGraceMs: 2_000,
    metrics: false,
  });
  const client = createAnnalsClient({ baseUrl: eventStore.url, token });
  const service = await startBankService({ client, database: database.bankDatabase, port: 0, host: "127.0.0.1", shutdownGraceMs: 2_000, ...bank });
  return {
    eventStore,
    store,
    client,
    bank: service,
    url: service.url,
    async stop() {
      await service.close();
      client.close();
      await eventStore.close();
    },
  };
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
