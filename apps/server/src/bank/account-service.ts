import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { formatMoney } from "@annals/bank";
import type { AccountService } from "@annals/protocol/bank";
import { InvalidInputError, type EventStore } from "@annals/store";
import { evolveView, toWireAccount } from "./account-view.js";
import { auditContextFrom } from "./audit.js";
import type { CommandHandler, CommandRequest } from "./command-handler.js";
import { AccountNotFoundError, VersionOutOfRangeError } from "./errors.js";
import { historyEntry } from "./history.js";
import { decodePageToken, encodePageToken } from "../page-token.js";
import { accountsProjectionName, accountViewOfRow } from "./projection/accounts-projection.js";
import { accountRowsPage, countAccountRows } from "./projection/accounts-table.js";
import type { Projector } from "./projection/projector.js";
import type { AccountRepository } from "./repository.js";
import { accountIdFrom, depositRequest, openAccountRequest, versionFrom, withdrawRequest } from "./requests.js";
import { accountStream } from "./streams.js";

export interface AccountServiceOptions {
  store: EventStore;
  repository: AccountRepository;
  commands: CommandHandler;
  /** Keeps the `accounts` read model. */
  projector: Projector;
  /** Accounts per `ListAccounts` page when the request says 0. Default 100. */
  defaultPageSize?: number;
  /** Most accounts per page; larger requests get this many. Default 1,000. */
  maxPageSize?: number;
}

/** annals.bank.v1.AccountService. Errors are mapped to gRPC codes by the router's interceptor. */
export function createAccountService(options: AccountServiceOptions): ServiceImpl<typeof AccountService> {
  const { store, repository, commands, projector } = options;
  const defaultPageSize = options.defaultPageSize ?? 100;
  const maxPageSize = options.maxPageSize ?? 1_000;

  async function run(request: CommandRequest, context: HandlerContext) {
    const result = await commands.execute(request, auditContextFrom(context.requestHeader));
    return { version: BigInt(result.version), balance: formatMoney(result.balance), position: BigInt(result.position) };
  }

  /** The account's current version; NOT_FOUND when it has no events. */
  async function currentVersion(accountId: string): Promise<number> {
    const info = await store.getStream(accountStream(accountId));
    if (info === undefined) throw new AccountNotFoundError(accountId);
    return info.lastRevision + 1;
  }

  return {
    openAccount: (request, context) => run(openAccountRequest(request.command), context),
    deposit: (request, context) => run(depositRequest(request.command), context),
    withdraw: (request, context) => run(withdrawRequest(request.command), context),

    async getAccount(request) {
      const accountId = accountIdFrom(request.accountId);
      const current = await currentVersion(accountId);
      let version: number | undefined;
      switch (request.asOf.case) {
        case "version":
          version = versionFrom(request.asOf.value, "version");
          if (version > current) throw new VersionOutOfRangeError(accountId, version, current);
          break;
        case "time": {
          const { seconds, nanos } = request.asOf.value;
          if (nanos < 0 || nanos > 999_999_999) throw new InvalidInputError("time.nanos", "must be 0..999999999");
          version = await repository.versionAt(accountId, seconds * 1_000_000_000n + BigInt(nanos), current);
          break;
        }
        case undefined:
          break;
      }
      const { view } = await repository.load(accountId, version === undefined ? {} : { version });
      return { account: toWireAccount(view, accountId) };
    },

    async *getHistory(request, context) {
      const accountId = accountIdFrom(request.accountId);
      await currentVersion(accountId);
      const fromVersion = Math.max(1, versionFrom(request.fromVersion, "from_version"));
      const maxCount = versionFrom(request.maxCount, "max_count");
      let { view } = await repository.load(accountId, { version: fromVersion - 1 });
      const pages = store.readStream(accountStream(accountId), { from: fromVersion - 1, ...(maxCount > 0 ? { maxCount } : {}) });
      for await (const page of pages) {
        for (const event of page) {
          if (context.signal.aborted) return;
          view = evolveView(view, event);
          yield historyEntry(event, view);
        }
      }
    },

    async listAccounts(request) {
      const pageSize = Math.min(request.pageSize === 0 ? defaultPageSize : request.pageSize, maxPageSize);
      const after = decodePageToken(request.pageToken);
      // The checkpoint first: the rows read next are at least that recent.
      const checkpoint = await store.projections.checkpoint(accountsProjectionName);
      const rows = await store.projections.read((db) => accountRowsPage(db, after, pageSize + 1));
      const page = rows.slice(0, pageSize);
      const more = rows.length > pageSize;
      return {
        accounts: page.map((row) => toWireAccount(accountViewOfRow(row), row.account_id)),
        nextPageToken: more ? encodePageToken(page[page.length - 1]!.account_id) : "",
        checkpoint: BigInt(checkpoint),
      };
    },

    async rebuildProjection() {
      const checkpoint = await projector.rebuild();
      const accountCount = await store.projections.read(countAccountRows);
      return { accountCount: BigInt(accountCount), checkpoint: BigInt(checkpoint) };
    },
  };
}
