import type { Decimal } from "decimal.js";
import type { AccountState } from "./account.js";
import type { AccountCommand } from "./commands.js";
import {
  AccountAlreadyOpenedError,
  AccountNotOpenedError,
  InsufficientFundsError,
  NonPositiveAmountError,
} from "./errors.js";
import type { AccountEvent } from "./events.js";
import { toMoney } from "./money.js";

/**
 * The events a command records given the account's current state, or a typed
 * error when it is refused. Pure: same input, same answer, no I/O.
 *
 * The command's own values are checked first (money, sign), then the rules
 * that depend on the state:
 * - an account opens once ({@link AccountAlreadyOpenedError});
 * - no deposit or withdrawal before opening ({@link AccountNotOpenedError});
 * - amounts are positive, an initial balance zero or positive
 *   ({@link NonPositiveAmountError});
 * - no withdrawal beyond the balance; the exact balance may be withdrawn
 *   ({@link InsufficientFundsError}).
 *
 * @throws InvalidMoneyError when an amount is not valid money.
 */
export function decide(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case "OpenAccount": {
      const initialBalance = zeroOrPositive(command.initialBalance, "initialBalance");
      if (state.opened) {
        throw new AccountAlreadyOpenedError(command.accountId);
      }
      return [
        {
          type: "AccountOpened",
          accountId: command.accountId,
          initialBalance,
          owner: command.owner ?? "",
        },
      ];
    }
    case "Deposit": {
      const amount = positive(command.amount, "amount");
      if (!state.opened) {
        throw new AccountNotOpenedError(command.accountId);
      }
      return [{ type: "MoneyDeposited", accountId: command.accountId, amount }];
    }
    case "Withdraw": {
      const amount = positive(command.amount, "amount");
      if (!state.opened) {
        throw new AccountNotOpenedError(command.accountId);
      }
      if (amount.greaterThan(state.balance)) {
        throw new InsufficientFundsError(command.accountId, state.balance, amount);
      }
      return [{ type: "MoneyWithdrawn", accountId: command.accountId, amount }];
    }
  }
}

function positive(value: Decimal, field: string): Decimal {
  const amount = toMoney(value, field);
  if (!amount.greaterThan(0)) {
    throw new NonPositiveAmountError(field, amount, false);
  }
  return amount;
}

function zeroOrPositive(value: Decimal, field: string): Decimal {
  const amount = toMoney(value, field);
  if (amount.isNegative()) {
    throw new NonPositiveAmountError(field, amount, true);
  }
  return amount;
}
