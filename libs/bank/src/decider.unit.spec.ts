import { describe, expect, it } from "vitest";
import type { AccountState } from "./account.js";
import type { AccountCommand } from "./commands.js";
import { decider } from "./decider.js";
import { InsufficientFundsError } from "./errors.js";
import type { AccountEvent } from "./events.js";
import { formatMoney } from "./money.js";
import { deposit, open, withdraw } from "./testing/fixtures.js";

/** What a command handler does: decide on the current state, then fold the new events in. */
function handle(
  history: AccountEvent[],
  command: AccountCommand,
): { history: AccountEvent[]; state: AccountState } {
  const current = history.reduce(decider.evolve, decider.initialState());
  const events = decider.decide(command, current);
  return { history: [...history, ...events], state: events.reduce(decider.evolve, current) };
}

describe("the seed's scenario", () => {
  it("opens with 100, deposits 50, withdraws 25: balance 125 at version 3", () => {
    let history: AccountEvent[] = [];
    let state = decider.initialState();
    for (const command of [open("100"), deposit("50"), withdraw("25")]) {
      ({ history, state } = handle(history, command));
    }

    expect(formatMoney(state.balance)).toBe("125.00");
    expect(state.version).toBe(3);
    expect(history.map((event) => event.type)).toEqual([
      "AccountOpened",
      "MoneyDeposited",
      "MoneyWithdrawn",
    ]);

    const atVersion2 = history.slice(0, 2).reduce(decider.evolve, decider.initialState());
    expect(formatMoney(atVersion2.balance)).toBe("150.00");
    expect(atVersion2.version).toBe(2);

    expect(() => handle(history, withdraw("500"))).toThrow(InsufficientFundsError);
    expect(() => handle(history, withdraw("500"))).toThrow("balance 125.00, amount 500.00");
  });
});
