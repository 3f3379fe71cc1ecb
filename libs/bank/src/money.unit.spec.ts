import { Decimal } from "decimal.js";
import { describe, expect, it } from "vitest";
import { InvalidMoneyError } from "./errors.js";
import type { InvalidMoneyReason } from "./errors.js";
import {
  MONEY_MAX_INTEGER_DIGITS,
  MONEY_SCALE,
  addMoney,
  formatMoney,
  parseMoney,
  subtractMoney,
  toMoney,
} from "./money.js";

function refusal(run: () => unknown): InvalidMoneyError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMoneyError);
    return error as InvalidMoneyError;
  }
  return expect.fail("expected an InvalidMoneyError, but nothing was thrown");
}

describe("parseMoney", () => {
  it.each([
    ["0", "0.00"],
    ["125.50", "125.50"],
    ["125.5", "125.50"],
    ["7", "7.00"],
    ["0.01", "0.01"],
    ["-3", "-3.00"],
    ["-0", "0.00"],
    ["007.10", "7.10"],
    ["999999999999999.99", "999999999999999.99"],
  ])("accepts %j", (text, formatted) => {
    expect(formatMoney(parseMoney(text))).toBe(formatted);
  });

  it.each<[string, InvalidMoneyReason]>([
    ["", "empty"],
    ["1e5", "malformed"],
    ["1E5", "malformed"],
    ["NaN", "malformed"],
    ["Infinity", "malformed"],
    ["-Infinity", "malformed"],
    ["+1", "malformed"],
    [" 1", "malformed"],
    ["1 ", "malformed"],
    ["1\n", "malformed"],
    ["1,50", "malformed"],
    ["1.", "malformed"],
    [".5", "malformed"],
    ["--1", "malformed"],
    ["0x10", "malformed"],
    ["1_000", "malformed"],
    ["١٢", "malformed"],
    ["1.234", "too-many-decimal-places"],
    ["1.500", "too-many-decimal-places"],
    ["1000000000000000", "too-many-integer-digits"],
    ["9".repeat(400), "too-many-integer-digits"],
    [`1.${"0".repeat(400)}`, "too-many-decimal-places"],
  ])("refuses %j (%s)", (text, reason) => {
    const error = refusal(() => parseMoney(text, "initialBalance"));
    expect(error.reason).toBe(reason);
    expect(error.field).toBe("initialBalance");
    expect(error.kind).toBe("InvalidMoney");
  });

  it("names the field 'amount' by default", () => {
    expect(refusal(() => parseMoney("abc")).field).toBe("amount");
  });

  it("refuses a value that is not a string", () => {
    expect(refusal(() => parseMoney(125 as unknown as string)).reason).toBe("wrong-type");
  });

  it("keeps long error messages short", () => {
    const error = refusal(() => parseMoney("1".repeat(10_000)));
    expect(error.message.length).toBeLessThan(200);
  });

  it("documents its limits", () => {
    expect(MONEY_SCALE).toBe(2);
    expect(MONEY_MAX_INTEGER_DIGITS).toBe(15);
  });
});

describe("formatMoney", () => {
  it("always writes two decimal places", () => {
    expect(formatMoney(new Decimal("125"))).toBe("125.00");
    expect(formatMoney(new Decimal("0.1"))).toBe("0.10");
    expect(formatMoney(new Decimal("-0"))).toBe("0.00");
  });

  it("never writes an exponent", () => {
    expect(formatMoney(new Decimal("1e21"))).toBe(`1${"0".repeat(21)}.00`);
    expect(formatMoney(new Decimal("0.01"))).toBe("0.01");
  });

  it("refuses to round", () => {
    expect(refusal(() => formatMoney(new Decimal("1.005"))).reason).toBe(
      "too-many-decimal-places",
    );
  });

  it("refuses NaN and Infinity", () => {
    expect(refusal(() => formatMoney(new Decimal(Number.NaN))).reason).toBe("not-finite");
    expect(refusal(() => formatMoney(new Decimal(Infinity))).reason).toBe("not-finite");
  });
});

describe("toMoney", () => {
  it("accepts a Decimal parseMoney would have accepted", () => {
    expect(formatMoney(toMoney(new Decimal("12.3")))).toBe("12.30");
  });

  it("refuses one it would not have", () => {
    expect(refusal(() => toMoney(new Decimal("0.001"))).reason).toBe("too-many-decimal-places");
    expect(refusal(() => toMoney(new Decimal("1e15"))).reason).toBe("too-many-integer-digits");
    expect(refusal(() => toMoney(new Decimal(Number.NaN))).reason).toBe("not-finite");
    expect(refusal(() => toMoney("1" as unknown as Decimal)).reason).toBe("wrong-type");
  });
});

describe("money arithmetic", () => {
  it("is exact in decimal: 0.1 + 0.2 = 0.30", () => {
    expect(formatMoney(addMoney(parseMoney("0.1"), parseMoney("0.2")))).toBe("0.30");
    expect(formatMoney(subtractMoney(parseMoney("0.3"), parseMoney("0.1")))).toBe("0.20");
  });

  it("stays exact past the default 20 significant digits", () => {
    let sum = parseMoney("999999999999999.99");
    for (let doubling = 0; doubling < 20; doubling += 1) {
      sum = addMoney(sum, sum);
    }
    const cents = 99_999_999_999_999_999n * 2n ** 20n;
    expect(formatMoney(sum)).toBe(`${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`);
    expect(formatMoney(subtractMoney(sum, sum))).toBe("0.00");
  });
});
