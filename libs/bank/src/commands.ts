import type { Decimal } from "decimal.js";

/**
 * The commands an account accepts, as the decider sees them: business data
 * only. Command ids (idempotency) and expected versions (concurrency) are
 * handled by whoever loads the state and records the events.
 */

/** Open a new account with a starting balance (zero or positive). */
export interface OpenAccountCommand {
  readonly type: "OpenAccount";
  readonly accountId: string;
  readonly initialBalance: Decimal;
  /** Who holds the account. Default: "". */
  readonly owner?: string;
}

/** Pay a positive amount into an open account. */
export interface DepositCommand {
  readonly type: "Deposit";
  readonly accountId: string;
  readonly amount: Decimal;
}

/** Take a positive amount, at most the balance, out of an open account. */
export interface WithdrawCommand {
  readonly type: "Withdraw";
  readonly accountId: string;
  readonly amount: Decimal;
}

/** Any account command, discriminated by `type`. */
export type AccountCommand = OpenAccountCommand | DepositCommand | WithdrawCommand;

/** The `type` of an {@link AccountCommand}. */
export type AccountCommandType = AccountCommand["type"];
