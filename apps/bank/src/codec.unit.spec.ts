import { describe, expect, it } from "vitest";
import { parseMoney, type AccountEvent } from "@annals/bank";
import { toBinary } from "@bufbuild/protobuf";
import type { ResolvedEvent } from "@annals/sdk";
import { accountEvents, accountSnapshots } from "./codec.js";
import { accountDecider } from "./account-view.js";

function recorded(event: AccountEvent, contentType = "application/protobuf"): ResolvedEvent {
  const encoded = accountEvents.encode(event);
  if (!("schema" in encoded)) throw new Error("the account codec encodes protobuf messages");
  return {
    id: "00000000-0000-4000-8000-000000000000",
    type: encoded.schema.typeName,
    data: toBinary(encoded.schema, encoded.message),
    contentType,
    metadata: {},
    stream: "account-ACC-001",
    revision: 0n,
    position: 1n,
    recordedAt: new Date(0),
    message: undefined,
  };
}

describe("account event codec", () => {
  it("round-trips every event, money with two decimal places on the wire", () => {
    const events: AccountEvent[] = [
      { type: "AccountOpened", accountId: "ACC-001", initialBalance: parseMoney("100"), owner: "Ada" },
      { type: "MoneyDeposited", accountId: "ACC-001", amount: parseMoney("50.5") },
      { type: "MoneyWithdrawn", accountId: "ACC-001", amount: parseMoney("0.01") },
    ];
    for (const event of events) {
      const stored = recorded(event);
      expect(stored.type).toBe(`annals.bank.v1.${event.type}`);
      expect(JSON.stringify(accountEvents.decode(stored))).toBe(JSON.stringify(event));
    }
  });

  it("refuses what is not an account event", () => {
    const deposit = recorded({ type: "MoneyDeposited", accountId: "ACC-001", amount: parseMoney("1") });
    expect(() => accountEvents.decode({ ...deposit, type: "test.Other" })).toThrow(/not an account event/);
    expect(() => accountEvents.decode({ ...deposit, contentType: "application/json" })).toThrow(/content type/);
    expect(() => accountEvents.decode({ ...deposit, data: new Uint8Array([0xff, 0xff]) })).toThrow();
  });

  it("keeps an account's view in a snapshot exactly, times included", () => {
    const opened = { type: "AccountOpened" as const, accountId: "ACC-9", initialBalance: parseMoney("12345678901234.56"), owner: "Grace" };
    const view = accountDecider.evolve(accountDecider.initialState(), opened, { id: "x", stream: "account-ACC-9", revision: 0n, position: 7n, recordedAt: new Date(1_700_000_000_123), metadata: {} });
    const back = accountSnapshots.decode(accountSnapshots.encode(view));
    expect(back.state.balance.toFixed(2)).toBe("12345678901234.56");
    expect(back).toMatchObject({ state: { opened: true, accountId: "ACC-9", owner: "Grace", version: 1 }, openedAt: new Date(1_700_000_000_123), updatedAt: new Date(1_700_000_000_123) });
  });
});
