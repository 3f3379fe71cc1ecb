import type { DepositCommand, OpenAccountCommand, WithdrawCommand } from "../commands.js";
import type {
  AccountOpenedEvent,
  MoneyDepositedEvent,
  MoneyWithdrawnEvent,
} from "../events.js";
import { parseMoney } from "../money.js";

/** The account the specs use, as in the seed. */
export const ACCOUNT_ID = "ACC-001";

export function open(initialBalance: string, owner?: string): OpenAccountCommand {
  return {
    type: "OpenAccount",
    accountId: ACCOUNT_ID,
    initialBalance: parseMoney(initialBalance, "initialBalance"),
    ...(owner === undefined ? {} : { owner }),
  };
}

export function deposit(amount: string): DepositCommand {
  return { type: "Deposit", accountId: ACCOUNT_ID, amount: parseMoney(amount) };
}

export function withdraw(amount: string): WithdrawCommand {
  return { type: "Withdraw", accountId: ACCOUNT_ID, amount: parseMoney(amount) };
}

export function opened(initialBalance: string, owner = ""): AccountOpenedEvent {
  return {
    type: "AccountOpened",
    accountId: ACCOUNT_ID,
    initialBalance: parseMoney(initialBalance, "initialBalance"),
    owner,
  };
}

export function deposited(amount: string): MoneyDepositedEvent {
  return { type: "MoneyDeposited", accountId: ACCOUNT_ID, amount: parseMoney(amount) };
}

export function withdrawn(amount: string): MoneyWithdrawnEvent {
  return { type: "MoneyWithdrawn", accountId: ACCOUNT_ID, amount: parseMoney(amount) };
}
