import { describe, expect, it } from "vitest";
import { evolve, initialState, replay } from "./account.js";
import { formatMoney } from "./money.js";
import { ACCOUNT_ID, deposited, opened, withdrawn } from "./testing/fixtures.js";

describe("initialState", () => {
  it("is not opened, with balance 0 at version 0", () => {
    const state = initialState();
    expect(state.opened).toBe(false);
    expect(state.accountId).toBe("");
    expect(formatMoney(state.balance)).toBe("0.00");
    expect(state.version).toBe(0);
  });
});

describe("evolve", () => {
  it("opens the account with its initial balance", () => {
    const state = evolve(initialState(), opened("100", "Ada"));
    expect(state).toMatchObject({ opened: true, accountId: ACCOUNT_ID, owner: "Ada", version: 1 });
    expect(formatMoney(state.balance)).toBe("100.00");
  });

  it("adds deposits and subtracts withdrawals", () => {
    const afterDeposit = evolve(evolve(initialState(), opened("100")), deposited("50"));
    expect(formatMoney(afterDeposit.balance)).toBe("150.00");
    const afterWithdrawal = evolve(afterDeposit, withdrawn("25"));
    expect(formatMoney(afterWithdrawal.balance)).toBe("125.00");
    expect(afterWithdrawal.version).toBe(3);
  });

  it("never changes the state it is given", () => {
    const before = evolve(initialState(), opened("100"));
    evolve(before, deposited("50"));
    expect(formatMoney(before.balance)).toBe("100.00");
    expect(before.version).toBe(1);
  });
});

describe("replay", () => {
  const history = [opened("100"), deposited("50"), withdrawn("25")];

  it("folds the seed's history into balance 125 at version 3", () => {
    const state = replay(history);
    expect(formatMoney(state.balance)).toBe("125.00");
    expect(state.version).toBe(3);
  });

  it("gives balance 150 at version 2 (time travel)", () => {
    const state = replay(history.slice(0, 2));
    expect(formatMoney(state.balance)).toBe("150.00");
    expect(state.version).toBe(2);
  });

  it("continues from a given state (a snapshot) to the same result", () => {
    const snapshot = replay(history.slice(0, 2));
    const resumed = replay(history.slice(2), snapshot);
    expect(formatMoney(resumed.balance)).toBe(formatMoney(replay(history).balance));
    expect(resumed.version).toBe(3);
  });

  it("gives the initial state for no events", () => {
    expect(replay([]).version).toBe(0);
  });
});
