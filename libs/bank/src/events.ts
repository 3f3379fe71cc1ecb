import type { Decimal } from "decimal.js";

/**
 * The events of an account: facts, never refused once recorded. On the wire
 * they are the messages of `annals.bank.v1` with the same names.
 */

/** The account was opened. Always an account's first event. */
export interface AccountOpenedEvent {
  readonly type: "AccountOpened";
  readonly accountId: string;
  readonly initialBalance: Decimal;
  /** Who holds the account; may be "". */
  readonly owner: string;
}

/** Money was paid into the account. */
export interface MoneyDepositedEvent {
  readonly type: "MoneyDeposited";
  readonly accountId: string;
  readonly amount: Decimal;
}

/** Money was taken out of the account. */
export interface MoneyWithdrawnEvent {
  readonly type: "MoneyWithdrawn";
  readonly accountId: string;
  readonly amount: Decimal;
}

/** Any account event, discriminated by `type`. */
export type AccountEvent = AccountOpenedEvent | MoneyDepositedEvent | MoneyWithdrawnEvent;

/** The `type` of an {@link AccountEvent}. */
export type AccountEventType = AccountEvent["type"];
