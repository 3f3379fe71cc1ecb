import type { ServiceImpl } from "@connectrpc/connect";
import type { AccountService } from "@annals/protocol/bank";
import type { EventStore } from "@annals/store";
import type { Logger } from "../logger.js";
import { createAccountService } from "./account-service.js";
import { createCommandHandler } from "./command-handler.js";
import { accountsProjection, accountsProjectionName } from "./projection/accounts-projection.js";
import { createAccountsTable, deleteAccountRows } from "./projection/accounts-table.js";
import { createPollingFeed } from "./projection/event-feed.js";
import { createProjector, type Projector } from "./projection/projector.js";
import { createAccountRepository, defaultSnapshotEvery } from "./repository.js";

export interface BankOptions {
  /** Save a snapshot of an account every this many events; 0 turns snapshots off. Default 100 (measured: `npm run bench:snapshots`). */
  snapshotEvery?: number;
  /** How often the accounts projection looks for events written by other server instances, ms. Default 500. */
  projectionPollMs?: number;
  /** Most attempts of a command while other writers change the account. Default 8. */
  maxCommandAttempts?: number;
}

export interface Bank {
  /** The annals.bank.v1.AccountService implementation. */
  readonly service: ServiceImpl<typeof AccountService>;
  /** Keeps the `accounts` read model. */
  readonly projector: Projector;
  /** Stops the projection (before the store closes). */
  close(): Promise<void>;
}

/** The bank accounts behind the account service: commands, reads, and the `accounts` projection, started. */
export async function startBank(options: BankOptions & { store: EventStore; logger: Logger }): Promise<Bank> {
  const { store, logger } = options;
  const repository = createAccountRepository({ store, snapshotEvery: options.snapshotEvery ?? defaultSnapshotEvery });
  const commands = createCommandHandler({
    store,
    repository,
    ...(options.maxCommandAttempts === undefined ? {} : { maxAttempts: options.maxCommandAttempts }),
    onSnapshotError: (error) => logger.warn({ err: error }, "account snapshot not saved"),
  });
  await store.projections.write((trx) => createAccountsTable(trx, store.projections.kind));
  const projector = createProjector({
    name: accountsProjectionName,
    store,
    feed: createPollingFeed(store, { pollIntervalMs: options.projectionPollMs ?? 500 }),
    handler: accountsProjection({
      onUnreadable: (event, error) => logger.error({ err: error, stream: event.stream, revision: event.revision }, "account event skipped by the accounts projection"),
    }),
    reset: deleteAccountRows,
    onError: (error) => logger.error({ err: error }, "accounts projection failed; retrying"),
  });
  projector.start();
  return {
    service: createAccountService({ store, repository, commands, projector }),
    projector,
    close: () => projector.stop(),
  };
}
