import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AccountService } from "@annals/protocol/bank";
import type { AnnalsClient } from "@annals/sdk";
import { createCommandHandler, defaultSnapshotEvery } from "@annals/toolkit";
import { createKnexSnapshotStore, createProjection, openServiceDatabase, type Projection } from "@annals/toolkit/knex";
import type { Knex } from "knex";
import { accountDecider } from "./account-view.js";
import { createAccountService } from "./account-service.js";
import { accountEvents, accountEventTypePrefix, accountSnapshots } from "./codec.js";
import { errorMapping } from "./error-mapping.js";
import { accountCommandEventIds, formerAccountCommandEventIds } from "./event-ids.js";
import { accountsProjectionName, applyAccountEvents } from "./projection/accounts-projection.js";
import { createAccountsTable, deleteAccountRows } from "./projection/accounts-table.js";
import { accountStreamPrefix } from "./streams.js";

/** Where the bank tells what goes wrong. */
export interface BankLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface BankServiceOptions {
  /** The event store, through the SDK (any transport). */
  client: AnnalsClient;
  /** The bank's own database (read model, snapshots): a SQLite path or a postgres:// URL. Default `./data/bank.db`. */
  database?: string;
  /** Default 50052; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Snapshot an account every this many events; 0 turns snapshots off. Default 100 (`npm run bench:snapshots`). */
  snapshotEvery?: number;
  /** Most attempts of a command while other writers change the account. Default 8. */
  maxCommandAttempts?: number;
  /** How long `close` waits for calls in flight, ms. Default 5,000. */
  shutdownGraceMs?: number;
  logger?: BankLogger;
}

export interface BankService {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  /** The `accounts` read model's runner (lag, checkpoint). */
  readonly projection: Projection;
  /** The bank's own database. */
  readonly db: Knex;
  /** Stops serving, stops the projection, closes the bank's database (the SDK client stays the caller's). */
  close(): Promise<void>;
}

export const defaultBankDatabase = "./data/bank.db";

const silent: BankLogger = { warn: () => undefined, error: () => undefined };

/**
 * The bank account service: annals.bank.v1.AccountService over gRPC and Connect
 * (HTTP/2), on the event store through `client` only, with its read model and
 * snapshots in its own database.
 */
export async function startBankService(options: BankServiceOptions): Promise<BankService> {
  const { client } = options;
  const logger = options.logger ?? silent;
  const db = openServiceDatabase(options.database ?? defaultBankDatabase);
  const snapshotEvery = options.snapshotEvery ?? defaultSnapshotEvery;
  const snapshotStore = createKnexSnapshotStore(db);
  await snapshotStore.setup();
  const commands = createCommandHandler({
    client,
    decider: accountDecider,
    events: accountEvents,
    ...(snapshotEvery > 0 ? { snapshots: { store: snapshotStore, state: accountSnapshots, every: snapshotEvery } } : {}),
    eventIds: accountCommandEventIds,
    formerEventIds: formerAccountCommandEventIds,
    ...(options.maxCommandAttempts === undefined ? {} : { maxAttempts: options.maxCommandAttempts }),
    onSnapshotError: (error) => logger.warn({ err: error }, "account snapshot not saved"),
  });
  const apply = applyAccountEvents({
    onUnreadable: (event, error) => logger.error({ err: error, stream: event.stream, revision: event.revision.toString() }, "account event skipped by the accounts projection"),
  });
  const projection = createProjection({
    client,
    db,
    name: accountsProjectionName,
    source: { category: accountStreamPrefix },
    filter: { eventTypePrefixes: [accountEventTypePrefix] },
    setup: createAccountsTable,
    apply,
    reset: deleteAccountRows,
    onError: (error) => logger.error({ err: error }, "accounts projection failed; retrying"),
  });
  await projection.start();

  const handler = connectNodeAdapter({
    routes: (router) => router.service(AccountService, createAccountService({ client, commands, db, projection })),
    interceptors: [errorMapping((error) => logger.error({ err: error }, "unexpected error"))],
    jsonOptions: { alwaysEmitImplicit: true },
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => undefined);
  });
  server.on("connection", (socket: Socket) => socket.on("error", () => undefined));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 50052, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`,
    port: address.port,
    projection,
    db,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const session of sessions) session.close();
        const timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, options.shutdownGraceMs ?? 5_000);
        timer.unref();
        await closed;
        clearTimeout(timer);
        await projection.stop();
        snapshotStore.close();
        await db.destroy();
      })();
      return closing;
    },
  };
}
