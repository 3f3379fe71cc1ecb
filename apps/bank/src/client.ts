import { create } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { newCommandId } from "@annals/toolkit";
import {
  AccountService,
  DepositSchema,
  OpenAccountSchema,
  WithdrawSchema,
  type Account,
  type GetHistoryResponse,
} from "@annals/protocol/bank";
import { fromCallError } from "@annals/sdk";

export interface BankClientOptions {
  /** The server, e.g. `http://127.0.0.1:50051`. */
  baseUrl: string;
  /** `grpc` (default, HTTP/2) or `connect` (the Connect protocol, binary, HTTP/2). */
  protocol?: "grpc" | "connect";
  /** Who sends the commands, recorded in every event's metadata (`x-annals-actor`). Default: the server's `anonymous`. */
  actor?: string;
  /** Interval of HTTP/2 keepalive pings, ms. Default 15,000. */
  pingIntervalMs?: number;
  /** Client interceptors (auth headers, tracing...). */
  interceptors?: Interceptor[];
}

export interface CommandOptions {
  /**
   * The command's id. Default: a new time-ordered UUID (`newCommandId`), which the
   * bank's event ids then inherit their order from. Send a command again with the same
   * id (after a timeout, say) and it is applied once: the answer is the first
   * result and nothing new is recorded.
   */
  commandId?: string;
  /** Refuse the command (FAILED_PRECONDITION) unless the account is at this version. */
  expectedVersion?: bigint | number;
  /** Ties the command to a larger operation (`x-annals-correlation-id`). Default: a new id per call, chosen by the server. */
  correlationId?: string;
  /** What caused the command (`x-annals-causation-id`). Default: the command id. */
  causationId?: string;
  signal?: AbortSignal;
}

export interface CommandOutcome {
  /** The id the command was sent with: reuse it to retry safely. */
  commandId: string;
  /** The account's version after the command. */
  version: bigint;
  /** The balance after the command, with two decimal places. */
  balance: string;
  /** The global position of the recorded event. */
  position: bigint;
}

export interface GetAccountOptions {
  /** The state right after this version (0: before opening). */
  version?: bigint | number;
  /** The state as of this instant, an event recorded exactly then included. */
  time?: Date | Timestamp;
  signal?: AbortSignal;
}

export interface GetHistoryOptions {
  /** The first version to send. Default 1, the opening. */
  fromVersion?: bigint | number;
  /** At most this many events. Default: all. */
  maxCount?: bigint | number;
  signal?: AbortSignal;
}

export interface AccountsPage {
  accounts: Account[];
  /** Pass as `pageToken` for the next page; "" on the last page. */
  nextPageToken: string;
  /** The global position the read model has processed up to. */
  checkpoint: bigint;
}

export interface BankClient {
  /** Opens an account with a starting balance (a decimal string, e.g. "100" or "100.50"). */
  openAccount(accountId: string, initialBalance: string, options?: CommandOptions & { owner?: string }): Promise<CommandOutcome>;
  /** Pays money in. */
  deposit(accountId: string, amount: string, options?: CommandOptions): Promise<CommandOutcome>;
  /** Takes money out, never more than the balance. */
  withdraw(accountId: string, amount: string, options?: CommandOptions): Promise<CommandOutcome>;
  /** The account now, or as of a version or a time. */
  getAccount(accountId: string, options?: GetAccountOptions): Promise<Account>;
  /** The account's events in order, each with its version, time, metadata and the balance after it. */
  getHistory(accountId: string, options?: GetHistoryOptions): AsyncIterable<GetHistoryResponse>;
  /** One page of the accounts read model, ordered by account id. */
  listAccounts(options?: { pageSize?: number; pageToken?: string; signal?: AbortSignal }): Promise<AccountsPage>;
  /** Rebuilds the accounts read model from every event. */
  rebuildProjection(options?: { signal?: AbortSignal }): Promise<{ accountCount: bigint; checkpoint: bigint }>;
  /** The generated Connect client, for calls this wrapper does not cover. */
  readonly raw: Client<typeof AccountService>;
  /** Closes the HTTP/2 connection. */
  close(): void;
}

/**
 * A typed client of the bank account service. Failed calls reject with the SDK's
 * `AnnalsError` (its `code` is the gRPC code, `field` the offending field).
 */
export function createBankClient(options: BankClientOptions): BankClient {
  const sessionManager = new Http2SessionManager(options.baseUrl, { pingIntervalMs: options.pingIntervalMs ?? 15_000, pingTimeoutMs: 10_000 });
  const transportOptions = { baseUrl: options.baseUrl, sessionManager, httpVersion: "2" as const, interceptors: options.interceptors ?? [] };
  const transport: Transport = options.protocol === "connect" ? createConnectTransport(transportOptions) : createGrpcTransport(transportOptions);
  const client = createClient(AccountService, transport);

  function headers(command?: CommandOptions): Record<string, string> {
    return {
      ...(options.actor === undefined ? {} : { "x-annals-actor": options.actor }),
      ...(command?.correlationId === undefined ? {} : { "x-annals-correlation-id": command.correlationId }),
      ...(command?.causationId === undefined ? {} : { "x-annals-causation-id": command.causationId }),
    };
  }

  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw fromCallError(error);
    }
  }

  function commandFields(accountId: string, command: CommandOptions) {
    return {
      commandId: command.commandId ?? newCommandId(),
      accountId,
      ...(command.expectedVersion === undefined ? {} : { expectedVersion: BigInt(command.expectedVersion) }),
    };
  }

  return {
    raw: client,

    openAccount(accountId, initialBalance, command = {}) {
      const fields = commandFields(accountId, command);
      return call(async () => {
        const response = await client.openAccount(
          { command: create(OpenAccountSchema, { ...fields, initialBalance, owner: command.owner ?? "" }) },
          { headers: headers(command), signal: command.signal },
        );
        return { commandId: fields.commandId, version: response.version, balance: response.balance, position: response.position };
      });
    },

    deposit(accountId, amount, command = {}) {
      const fields = commandFields(accountId, command);
      return call(async () => {
        const response = await client.deposit({ command: create(DepositSchema, { ...fields, amount }) }, { headers: headers(command), signal: command.signal });
        return { commandId: fields.commandId, version: response.version, balance: response.balance, position: response.position };
      });
    },

    withdraw(accountId, amount, command = {}) {
      const fields = commandFields(accountId, command);
      return call(async () => {
        const response = await client.withdraw({ command: create(WithdrawSchema, { ...fields, amount }) }, { headers: headers(command), signal: command.signal });
        return { commandId: fields.commandId, version: response.version, balance: response.balance, position: response.position };
      });
    },

    getAccount(accountId, read = {}) {
      const asOf =
        read.version !== undefined
          ? { case: "version" as const, value: BigInt(read.version) }
          : read.time !== undefined
            ? { case: "time" as const, value: read.time instanceof Date ? timestampFromDate(read.time) : read.time }
            : { case: undefined };
      return call(async () => {
        const response = await client.getAccount({ accountId, asOf }, { signal: read.signal });
        if (!response.account) throw new Error("the server answered without an account");
        return response.account;
      });
    },

    async *getHistory(accountId, read = {}) {
      const controller = new AbortController();
      const outer = read.signal;
      if (outer?.aborted) controller.abort(outer.reason);
      else outer?.addEventListener("abort", () => controller.abort(outer.reason), { once: true });
      try {
        yield* client.getHistory(
          { accountId, fromVersion: BigInt(read.fromVersion ?? 0), maxCount: BigInt(read.maxCount ?? 0) },
          { signal: controller.signal },
        );
      } catch (error) {
        throw fromCallError(error);
      } finally {
        controller.abort();
      }
    },

    listAccounts(list = {}) {
      return call(async () => {
        const response = await client.listAccounts({ pageSize: list.pageSize ?? 0, pageToken: list.pageToken ?? "" }, { signal: list.signal });
        return { accounts: response.accounts, nextPageToken: response.nextPageToken, checkpoint: response.checkpoint };
      });
    },

    rebuildProjection(rebuild = {}) {
      return call(async () => {
        const response = await client.rebuildProjection({}, { signal: rebuild.signal });
        return { accountCount: response.accountCount, checkpoint: response.checkpoint };
      });
    },

    close() {
      sessionManager.abort();
    },
  };
}
