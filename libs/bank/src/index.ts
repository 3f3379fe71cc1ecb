export { evolve, initialState, replay } from "./account.js";
export type { AccountState } from "./account.js";
export type {
  AccountCommand,
  AccountCommandType,
  DepositCommand,
  OpenAccountCommand,
  WithdrawCommand,
} from "./commands.js";
export { decide } from "./decide.js";
export { decider } from "./decider.js";
export type { Decider } from "./decider.js";
export {
  AccountAlreadyOpenedError,
  AccountNotOpenedError,
  InsufficientFundsError,
  InvalidMoneyError,
  NonPositiveAmountError,
  isBankError,
} from "./errors.js";
export type { BankError, BankErrorKind, InvalidMoneyReason } from "./errors.js";
export type {
  AccountEvent,
  AccountEventType,
  AccountOpenedEvent,
  MoneyDepositedEvent,
  MoneyWithdrawnEvent,
} from "./events.js";
export {
  MONEY_MAX_INTEGER_DIGITS,
  MONEY_SCALE,
  formatMoney,
  parseMoney,
  toMoney,
} from "./money.js";
