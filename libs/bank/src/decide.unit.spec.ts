import { Decimal } from "decimal.js";
import { describe, expect, it } from "vitest";
import {
  AccountAlreadyOpenedError,
  AccountNotOpenedError,
  InsufficientFundsError,
  InvalidMoneyError,
  NonPositiveAmountError,
} from "./errors.js";
import { formatMoney } from "./money.js";
import {
  ACCOUNT_ID,
  deposit,
  deposited,
  open,
  opened,
  withdraw,
  withdrawn,
} from "./testing/fixtures.js";
import { given } from "./testing/given.js";

describe("OpenAccount", () => {
  it("opens a new account with its initial balance and owner", () => {
    given([]).when(open("100", "Ada")).then([opened("100", "Ada")]);
  });

  it("opens with a zero initial balance", () => {
    given([]).when(open("0")).then([opened("0")]);
  });

  it("opens with an empty owner when none is given", () => {
    given([]).when(open("10")).then([opened("10", "")]);
  });

  it("refuses a negative initial balance", () => {
    given([])
      .when(open("-0.01"))
      .thenThrows(NonPositiveAmountError, (error) => {
        expect(error.field).toBe("initialBalance");
        expect(error.message).toContain("zero or positive");
      });
  });

  it("opens an account once", () => {
    given([opened("100")])
      .when(open("100"))
      .thenThrows(AccountAlreadyOpenedError, (error) => {
        expect(error.accountId).toBe(ACCOUNT_ID);
      });
  });

  it("opens once even after other events", () => {
    given([opened("100"), deposited("5"), withdrawn("105")])
      .when(open("0"))
      .thenThrows(AccountAlreadyOpenedError);
  });
});

describe("Deposit", () => {
  it("records the deposit", () => {
    const state = given([opened("100")]).when(deposit("50")).then([deposited("50")]);
    expect(formatMoney(state.balance)).toBe("150.00");
    expect(state.version).toBe(2);
  });

  it.each(["0", "0.00", "-0.01", "-50"])("refuses an amount of %s", (amount) => {
    given([opened("100")])
      .when(deposit(amount))
      .thenThrows(NonPositiveAmountError, (error) => {
        expect(error.field).toBe("amount");
        expect(error.kind).toBe("NonPositiveAmount");
      });
  });

  it("refuses a deposit before the account is opened", () => {
    given([])
      .when(deposit("50"))
      .thenThrows(AccountNotOpenedError, (error) => {
        expect(error.accountId).toBe(ACCOUNT_ID);
      });
  });

  it("accepts the smallest amount", () => {
    given([opened("0")]).when(deposit("0.01")).then([deposited("0.01")]);
  });
});

describe("Withdraw", () => {
  it("records the withdrawal", () => {
    const state = given([opened("100")]).when(withdraw("25")).then([withdrawn("25")]);
    expect(formatMoney(state.balance)).toBe("75.00");
  });

  it("withdraws the exact balance, leaving zero", () => {
    const state = given([opened("100"), deposited("25.50")])
      .when(withdraw("125.50"))
      .then([withdrawn("125.50")]);
    expect(formatMoney(state.balance)).toBe("0.00");
  });

  it("refuses to overdraw", () => {
    given([opened("100")])
      .when(withdraw("500"))
      .thenThrows(InsufficientFundsError, (error) => {
        expect(formatMoney(error.balance)).toBe("100.00");
        expect(formatMoney(error.amount)).toBe("500.00");
        expect(error.message).toContain("balance 100.00");
        expect(error.message).toContain("amount 500.00");
      });
  });

  it("refuses to overdraw by one cent", () => {
    given([opened("100"), withdrawn("99.99")])
      .when(withdraw("0.02"))
      .thenThrows(InsufficientFundsError);
  });

  it("refuses any withdrawal from an empty account", () => {
    given([opened("0")]).when(withdraw("0.01")).thenThrows(InsufficientFundsError);
  });

  it.each(["0", "-1", "-0.01"])("refuses an amount of %s", (amount) => {
    given([opened("100")]).when(withdraw(amount)).thenThrows(NonPositiveAmountError);
  });

  it("refuses a withdrawal before the account is opened", () => {
    given([]).when(withdraw("1")).thenThrows(AccountNotOpenedError);
  });

  it("checks the amount before the state", () => {
    given([]).when(withdraw("0")).thenThrows(NonPositiveAmountError);
  });
});

describe("decimal exactness", () => {
  it("0.1 + 0.2 = 0.30", () => {
    const state = given([opened("0"), deposited("0.1")])
      .when(deposit("0.2"))
      .then([deposited("0.2")]);
    expect(formatMoney(state.balance)).toBe("0.30");
  });

  it("withdraws 0.30 from 0.1 + 0.2 exactly", () => {
    given([opened("0.1"), deposited("0.2")]).when(withdraw("0.3")).then([withdrawn("0.3")]);
  });
});

describe("amounts built outside parseMoney", () => {
  it("refuses more than two decimal places", () => {
    given([opened("100")])
      .when({ type: "Deposit", accountId: ACCOUNT_ID, amount: new Decimal("0.001") })
      .thenThrows(InvalidMoneyError, (error) => {
        expect(error.reason).toBe("too-many-decimal-places");
      });
  });

  it("refuses NaN and Infinity", () => {
    given([opened("100")])
      .when({ type: "Withdraw", accountId: ACCOUNT_ID, amount: new Decimal(Number.NaN) })
      .thenThrows(InvalidMoneyError);
    given([opened("100")])
      .when({ type: "Deposit", accountId: ACCOUNT_ID, amount: new Decimal(Infinity) })
      .thenThrows(InvalidMoneyError);
  });

  it("accepts a plain Decimal", () => {
    given([opened("100")])
      .when({ type: "Deposit", accountId: ACCOUNT_ID, amount: new Decimal("12.5") })
      .then([deposited("12.50")]);
  });
});
