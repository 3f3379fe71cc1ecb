import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { formatMoney, type AccountCommand, type AccountEvent } from "@annals/bank";
import type { AccountService } from "@annals/protocol/bank";
import type { AnnalsClient } from "@annals/sdk";
import type { CommandHandler } from "@annals/toolkit";
import { keysetPage, type Projection } from "@annals/toolkit/knex";
import type { Knex } from "knex";
import { evolveView, toWireAccount, type AccountView } from "./account-view.js";
import { auditContextFrom, auditMetadata } from "./audit.js";
import { AccountNotFoundError, InvalidRequestError, VersionOutOfRangeError } from "./errors.js";
import { historyEntry } from "./history.js";
import { accountViewOfRow } from "./projection/accounts-projection.js";
import { accountsTable, countAccountRows, type AccountRow } from "./projection/accounts-table.js";
import { accountIdFrom, depositRequest, openAccountRequest, versionFrom, withdrawRequest, type CommandRequest } from "./requests.js";
import { accountStream } from "./streams.js";

export interface AccountServiceOptions {
  /** The event store, through the SDK. */
  client: AnnalsClient;
  /** Runs the account commands (toolkit: load, decide, append, retry, idempotency, snapshots). */
  commands: CommandHandler<AccountCommand, AccountEvent, AccountView>;
  /** The service's own database, holding the `accounts` read model. */
  db: Knex;
  /** Keeps the `accounts` read model. */
  projection: Projection;
  /** Accounts per `ListAccounts` page when the request says 0. Default 100. */
  defaultPageSize?: number;
  /** Most accounts per page; larger requests get this many. Default 1,000. */
  maxPageSize?: number;
}

/** annals.bank.v1.AccountService. Errors are mapped to gRPC codes by `error-mapping.ts`. */
export function createAccountService(options: AccountServiceOptions): ServiceImpl<typeof AccountService> {
  const { client, commands, db, projection } = options;
  const loader = commands.loader;
  const defaultPageSize = options.defaultPageSize ?? 100;
  const maxPageSize = options.maxPageSize ?? 1_000;

  async function run(request: CommandRequest, context: HandlerContext) {
    const audit = auditContextFrom(context.requestHeader);
    const result = await commands.handle(accountStream(request.command.accountId), request.command, {
      commandId: request.commandId,
      ...(request.expectedVersion === undefined ? {} : { expectedVersion: request.expectedVersion }),
      metadata: auditMetadata(audit, request.commandId, request.command.type),
      signal: context.signal,
    });
    return { version: result.version, balance: formatMoney(result.state.state.balance), position: result.position ?? 0n };
  }

  /** The account's current version; NOT_FOUND when it has no events. */
  async function currentVersion(accountId: string, signal: AbortSignal): Promise<bigint> {
    const info = await client.getStream(accountStream(accountId), { signal });
    if (info === undefined) throw new AccountNotFoundError(accountId);
    return info.lastRevision + 1n;
  }

  return {
    openAccount: (request, context) => run(openAccountRequest(request.command), context),
    deposit: (request, context) => run(depositRequest(request.command), context),
    withdraw: (request, context) => run(withdrawRequest(request.command), context),

    async getAccount(request, context) {
      const accountId = accountIdFrom(request.accountId);
      const current = await currentVersion(accountId, context.signal);
      const stream = accountStream(accountId);
      switch (request.asOf.case) {
        case "version": {
          const version = versionFrom(request.asOf.value, "version");
          if (version > current) throw new VersionOutOfRangeError(accountId, version, current);
          return { account: toWireAccount((await loader.load(stream, { version, signal: context.signal })).state, accountId) };
        }
        case "time": {
          const { seconds, nanos } = request.asOf.value;
          if (nanos < 0 || nanos > 999_999_999) throw new InvalidRequestError("time.nanos", "must be 0..999999999");
          // Commit times are milliseconds: every event of a millisecond at or before the instant counts.
          const at = new Date(Number(seconds * 1_000n + BigInt(Math.floor(nanos / 1_000_000))));
          return { account: toWireAccount((await loader.load(stream, { at, signal: context.signal })).state, accountId) };
        }
        case undefined:
          return { account: toWireAccount((await loader.load(stream, { signal: context.signal })).state, accountId) };
      }
    },

    async *getHistory(request, context) {
      const accountId = accountIdFrom(request.accountId);
      await currentVersion(accountId, context.signal);
      const fromVersion = request.fromVersion > 1n ? versionFrom(request.fromVersion, "from_version") : 1n;
      const maxCount = versionFrom(request.maxCount, "max_count");
      const stream = accountStream(accountId);
      let { state: view } = await loader.load(stream, { version: fromVersion - 1n, signal: context.signal });
      for await (const event of client.readStream(stream, { fromRevision: fromVersion - 1n, ...(maxCount > 0n ? { maxCount } : {}), signal: context.signal })) {
        view = evolveView(view, loader.decode(event), event);
        yield historyEntry(event, view);
      }
    },

    async listAccounts(request) {
      const pageSize = Math.min(request.pageSize === 0 ? defaultPageSize : request.pageSize, maxPageSize);
      // The checkpoint first: the rows read next are at least that recent.
      const checkpoint = await projection.checkpoint();
      const page = await keysetPage<AccountRow>(db(accountsTable).select("*"), "account_id", { pageSize, pageToken: request.pageToken });
      return {
        accounts: page.rows.map((row) => toWireAccount(accountViewOfRow(row), row.account_id)),
        nextPageToken: page.nextPageToken,
        checkpoint,
      };
    },

    async rebuildProjection() {
      const checkpoint = await projection.rebuild();
      const accountCount = await countAccountRows(db);
      return { accountCount: BigInt(accountCount), checkpoint };
    },
  };
}
