import type { Decimal } from "decimal.js";

/** Why a money value was refused. */
export type InvalidMoneyReason =
  /** Not a string (parsing) or not a Decimal (checking). */
  | "wrong-type"
  /** The string is empty. */
  | "empty"
  /** Not a plain decimal: exponent, sign '+', whitespace, "NaN", "1.", ".5"... */
  | "malformed"
  /** NaN or ±Infinity. */
  | "not-finite"
  /** More integer digits than `MONEY_MAX_INTEGER_DIGITS`. */
  | "too-many-integer-digits"
  /** More decimal places than `MONEY_SCALE`. */
  | "too-many-decimal-places";

/**
 * A money value is not a plain decimal within the allowed range and scale.
 * Malformed input: maps to INVALID_ARGUMENT.
 */
export class InvalidMoneyError extends Error {
  override readonly name = "InvalidMoneyError";
  readonly kind = "InvalidMoney";
  /** The offending field, e.g. "amount" or "initialBalance". */
  readonly field: string;
  readonly reason: InvalidMoneyReason;

  constructor(field: string, reason: InvalidMoneyReason, value: unknown) {
    super(`${field} is not a valid amount of money (${reason}): ${preview(value)}`);
    this.field = field;
    this.reason = reason;
  }
}

/**
 * An amount is zero or negative where it must be positive, or an initial
 * balance is negative. Malformed input: maps to INVALID_ARGUMENT.
 */
export class NonPositiveAmountError extends Error {
  override readonly name = "NonPositiveAmountError";
  readonly kind = "NonPositiveAmount";
  /** The offending field, "amount" or "initialBalance". */
  readonly field: string;
  readonly amount: Decimal;

  constructor(field: string, amount: Decimal, zeroAllowed: boolean) {
    super(
      zeroAllowed
        ? `${field} must be zero or positive, got ${amount.toFixed()}`
        : `${field} must be positive, got ${amount.toFixed()}`,
    );
    this.field = field;
    this.amount = amount;
  }
}

/** The account is already open: an account opens once. A broken rule. */
export class AccountAlreadyOpenedError extends Error {
  override readonly name = "AccountAlreadyOpenedError";
  readonly kind = "AccountAlreadyOpened";
  readonly accountId: string;

  constructor(accountId: string) {
    super(`account ${accountId} is already opened`);
    this.accountId = accountId;
  }
}

/** The account has not been opened: no deposit or withdrawal before. A broken rule. */
export class AccountNotOpenedError extends Error {
  override readonly name = "AccountNotOpenedError";
  readonly kind = "AccountNotOpened";
  readonly accountId: string;

  constructor(accountId: string) {
    super(`account ${accountId} is not opened`);
    this.accountId = accountId;
  }
}

/** A withdrawal is larger than the balance. A broken rule. */
export class InsufficientFundsError extends Error {
  override readonly name = "InsufficientFundsError";
  readonly kind = "InsufficientFunds";
  readonly accountId: string;
  /** The balance when the withdrawal was refused. */
  readonly balance: Decimal;
  /** The amount asked for. */
  readonly amount: Decimal;

  constructor(accountId: string, balance: Decimal, amount: Decimal) {
    super(
      `insufficient funds on account ${accountId}: balance ${balance.toFixed(2)}, amount ${amount.toFixed(2)}`,
    );
    this.accountId = accountId;
    this.balance = balance;
    this.amount = amount;
  }
}

/** Every error this package throws on purpose. */
export type BankError =
  | InvalidMoneyError
  | NonPositiveAmountError
  | AccountAlreadyOpenedError
  | AccountNotOpenedError
  | InsufficientFundsError;

/** The `kind` discriminant of a {@link BankError}. */
export type BankErrorKind = BankError["kind"];

/** Whether `error` is one of the package's typed errors; narrow further on `kind`. */
export function isBankError(error: unknown): error is BankError {
  return (
    error instanceof InvalidMoneyError ||
    error instanceof NonPositiveAmountError ||
    error instanceof AccountAlreadyOpenedError ||
    error instanceof AccountNotOpenedError ||
    error instanceof InsufficientFundsError
  );
}

function preview(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
}
