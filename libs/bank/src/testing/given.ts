import { Decimal } from "decimal.js";
import { expect } from "vitest";
import { replay } from "../account.js";
import type { AccountState } from "../account.js";
import type { AccountCommand } from "../commands.js";
import { decide } from "../decide.js";
import type { AccountEvent } from "../events.js";

/**
 * Specs in given / when / then form:
 *
 *   given([opened("100")]).when(withdraw("500")).thenThrows(InsufficientFundsError);
 *   given([opened("100")]).when(deposit("50")).then([deposited("50")]);
 */
export function given(events: readonly AccountEvent[]) {
  const state = replay(events);
  return {
    /** The state the past events fold into. */
    state,
    when(command: AccountCommand) {
      return {
        /** Asserts the command records exactly `expected`; returns the state after them. */
        then(expected: readonly AccountEvent[]): AccountState {
          const actual = decide(command, state);
          expect(comparable(actual)).toEqual(comparable(expected));
          return replay(actual, state);
        },
        /** Asserts the command is refused with an `errorClass`; returns the error. */
        thenThrows<E extends Error>(
          errorClass: abstract new (...args: never[]) => E,
          check?: (error: E) => void,
        ): E {
          let outcome: { threw: false; events: AccountEvent[] } | { threw: true; error: unknown };
          try {
            outcome = { threw: false, events: decide(command, state) };
          } catch (error) {
            outcome = { threw: true, error };
          }
          if (!outcome.threw) {
            expect.fail(
              `expected ${errorClass.name}, but the command recorded ${JSON.stringify(comparable(outcome.events))}`,
            );
          }
          expect(outcome.error).toBeInstanceOf(errorClass);
          const error = outcome.error as E;
          check?.(error);
          return error;
        },
      };
    },
  };
}

/** Decimals as exact strings, so that "1.5" and "1.50" compare equal and diffs read well. */
function comparable(value: unknown): unknown {
  if (Decimal.isDecimal(value)) {
    return `Decimal(${value.toFixed()})`;
  }
  if (Array.isArray(value)) {
    return value.map(comparable);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, comparable(inner)]),
    );
  }
  return value;
}
