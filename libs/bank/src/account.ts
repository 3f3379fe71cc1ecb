import type { Decimal } from "decimal.js";
import type { AccountEvent } from "./events.js";
import { addMoney, subtractMoney, zeroMoney } from "./money.js";

/** The state of an account, derived from its events only. */
export interface AccountState {
  /** Whether an AccountOpened event has been applied. */
  readonly opened: boolean;
  /** The account's id; "" until opened. */
  readonly accountId: string;
  /** Who holds the account; "" until opened. */
  readonly owner: string;
  /** The balance; exact, never a JavaScript number. */
  readonly balance: Decimal;
  /**
   * The number of events applied: 0 before opening, 1 after it, one more
   * for every later event (the stream revision plus one).
   */
  readonly version: number;
}

/** The state of an account before any event: not opened, balance 0, version 0. */
export function initialState(): AccountState {
  return { opened: false, accountId: "", owner: "", balance: zeroMoney(), version: 0 };
}

/** The state after `event`. Total: events are facts and are never refused. */
export function evolve(state: AccountState, event: AccountEvent): AccountState {
  const version = state.version + 1;
  switch (event.type) {
    case "AccountOpened":
      return {
        opened: true,
        accountId: event.accountId,
        owner: event.owner,
        balance: addMoney(zeroMoney(), event.initialBalance),
        version,
      };
    case "MoneyDeposited":
      return { ...state, balance: addMoney(state.balance, event.amount), version };
    case "MoneyWithdrawn":
      return { ...state, balance: subtractMoney(state.balance, event.amount), version };
  }
}

/** Applies `events` in order, starting from `from` (default: the initial state). */
export function replay(
  events: Iterable<AccountEvent>,
  from: AccountState = initialState(),
): AccountState {
  let state = from;
  for (const event of events) {
    state = evolve(state, event);
  }
  return state;
}
