import { Decimal } from "decimal.js";
import { InvalidMoneyError } from "./errors.js";

/**
 * The most decimal places a money value may be written with: 2, so "125.5"
 * and "125.50" are accepted and "125.505" is refused. Money is never rounded.
 */
export const MONEY_SCALE = 2;

/**
 * The most digits a money value may be written with before the decimal point:
 * 15, that is up to 999 999 999 999 999.99. It bounds amounts read from
 * outside; a balance built from many such amounts may grow past it and stays
 * exact.
 */
export const MONEY_MAX_INTEGER_DIGITS = 15;

const PLAIN_DECIMAL = /^-?(\d+)(?:\.(\d+))?$/;

/**
 * Decimal arithmetic for money. The default Decimal rounds every result to 20
 * significant digits; this one keeps 1,000, which sums of two-decimal amounts
 * never reach, so additions and subtractions are exact. Its values are plain
 * `Decimal` instances.
 */
const MoneyDecimal = Decimal.clone({ precision: 1_000, rounding: Decimal.ROUND_HALF_EVEN });

const ZERO = new MoneyDecimal(0);

/**
 * Parses money written as a plain decimal: an optional '-', digits, and
 * optionally a point followed by at most {@link MONEY_SCALE} digits, with at
 * most {@link MONEY_MAX_INTEGER_DIGITS} digits before the point.
 *
 * Accepted: "0", "125.5", "125.50", "-3". Refused: "", " 1", "+1", "1e5",
 * "NaN", "Infinity", "1.", ".5", "1.234", "0x10", values too long.
 * Negative values parse; whether they are allowed is a domain rule.
 *
 * @param field named in the error, e.g. "amount" or "initialBalance".
 * @throws InvalidMoneyError with the field and the reason.
 */
export function parseMoney(text: string, field = "amount"): Decimal {
  if (typeof text !== "string") {
    throw new InvalidMoneyError(field, "wrong-type", text);
  }
  if (text.length === 0) {
    throw new InvalidMoneyError(field, "empty", text);
  }
  const match = PLAIN_DECIMAL.exec(text);
  if (match === null) {
    throw new InvalidMoneyError(field, "malformed", text);
  }
  const [, integer = "", fraction = ""] = match;
  if (integer.length > MONEY_MAX_INTEGER_DIGITS) {
    throw new InvalidMoneyError(field, "too-many-integer-digits", text);
  }
  if (fraction.length > MONEY_SCALE) {
    throw new InvalidMoneyError(field, "too-many-decimal-places", text);
  }
  return normalize(new MoneyDecimal(text));
}

/**
 * Formats money with exactly {@link MONEY_SCALE} decimal places: "125.00",
 * "-3.50". Never rounds.
 *
 * @throws InvalidMoneyError when the value is not finite or has more decimal
 * places than {@link MONEY_SCALE}.
 */
export function formatMoney(value: Decimal): string {
  return check(value, "value", false).toFixed(MONEY_SCALE);
}

/**
 * Checks that a Decimal built elsewhere is valid money, as {@link parseMoney}
 * would have accepted it, and returns it ready for exact arithmetic.
 *
 * @throws InvalidMoneyError with the field and the reason.
 */
export function toMoney(value: Decimal, field = "amount"): Decimal {
  return check(value, field, true);
}

/** `a + b`, exact. */
export function addMoney(a: Decimal, b: Decimal): Decimal {
  return new MoneyDecimal(a).plus(b);
}

/** `a - b`, exact. */
export function subtractMoney(a: Decimal, b: Decimal): Decimal {
  return new MoneyDecimal(a).minus(b);
}

/** Zero, ready for exact arithmetic. */
export function zeroMoney(): Decimal {
  return ZERO;
}

function check(value: Decimal, field: string, bounded: boolean): Decimal {
  if (!Decimal.isDecimal(value)) {
    throw new InvalidMoneyError(field, "wrong-type", value);
  }
  if (!value.isFinite()) {
    throw new InvalidMoneyError(field, "not-finite", value);
  }
  if (value.decimalPlaces() > MONEY_SCALE) {
    throw new InvalidMoneyError(field, "too-many-decimal-places", value.toFixed());
  }
  if (bounded && value.e + 1 > MONEY_MAX_INTEGER_DIGITS) {
    throw new InvalidMoneyError(field, "too-many-integer-digits", value.toFixed());
  }
  return normalize(new MoneyDecimal(value));
}

/** Turns -0 into 0, so that it never prints as "-0.00". */
function normalize(value: Decimal): Decimal {
  return value.isZero() ? ZERO : value;
}
