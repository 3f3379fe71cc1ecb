import { Decimal } from "decimal.js";
import { describe, expect, it } from "vitest";
import {
  AccountAlreadyOpenedError,
  AccountNotOpenedError,
  InsufficientFundsError,
  InvalidMoneyError,
  NonPositiveAmountError,
  isBankError,
} from "./errors.js";
import type { BankError } from "./errors.js";

const errors: BankError[] = [
  new InvalidMoneyError("amount", "malformed", "1e5"),
  new NonPositiveAmountError("amount", new Decimal(0), false),
  new AccountAlreadyOpenedError("ACC-001"),
  new AccountNotOpenedError("ACC-001"),
  new InsufficientFundsError("ACC-001", new Decimal(100), new Decimal(500)),
];

describe("bank errors", () => {
  it.each(errors.map((error) => [error.name, error]))("%s is an Error with a kind", (_, error) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(`${error.kind}Error`);
    expect(isBankError(error)).toBe(true);
  });

  it("tells its own errors from others", () => {
    expect(isBankError(new Error("boom"))).toBe(false);
    expect(isBankError({ kind: "InsufficientFunds" })).toBe(false);
    expect(isBankError(undefined)).toBe(false);
  });

  it("narrows on kind", () => {
    const error: unknown = errors[4];
    if (!isBankError(error) || error.kind !== "InsufficientFunds") {
      expect.fail("expected an InsufficientFundsError");
    }
    expect(error.balance.toFixed(2)).toBe("100.00");
    expect(error.amount.toFixed(2)).toBe("500.00");
  });

  it("says the balance and the amount of a refused withdrawal", () => {
    expect(new InsufficientFundsError("ACC-001", new Decimal("100"), new Decimal("500.5")).message).toBe(
      "insufficient funds on account ACC-001: balance 100.00, amount 500.50",
    );
  });
});
