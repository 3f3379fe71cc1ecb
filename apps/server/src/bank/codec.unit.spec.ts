import { describe, expect, it } from "vitest";
import { parseMoney, type AccountEvent } from "@annals/bank";
import type { RecordedEvent } from "@annals/store";
import { decodeAccountEvent, encodeAccountEvent } from "./codec.js";
import { UnreadableAccountEventError } from "./errors.js";

const recorded = (encoded: { type: string; data: Uint8Array }, contentType = "application/protobuf"): RecordedEvent => ({
  ...encoded,
  id: "00000000-0000-4000-8000-000000000000",
  contentType,
  metadata: {},
  stream: "account-ACC-001",
  revision: 0,
  position: 1,
  recordedAt: 0,
});

describe("account event codec", () => {
  it("round-trips every event, money with two decimal places on the wire", () => {
    const events: AccountEvent[] = [
      { type: "AccountOpened", accountId: "ACC-001", initialBalance: parseMoney("100"), owner: "Ada" },
      { type: "MoneyDeposited", accountId: "ACC-001", amount: parseMoney("50.5") },
      { type: "MoneyWithdrawn", accountId: "ACC-001", amount: parseMoney("0.01") },
    ];
    for (const event of events) {
      const encoded = encodeAccountEvent(event);
      expect(encoded.type).toBe(`annals.bank.v1.${event.type}`);
      const decoded = decodeAccountEvent(recorded(encoded));
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(event));
    }
  });

  it("refuses what is not an account event as unreadable", () => {
    const deposit = encodeAccountEvent({ type: "MoneyDeposited", accountId: "ACC-001", amount: parseMoney("1") });
    expect(() => decodeAccountEvent(recorded({ type: "test.Other", data: deposit.data }))).toThrow(UnreadableAccountEventError);
    expect(() => decodeAccountEvent(recorded(deposit, "application/json"))).toThrow(UnreadableAccountEventError);
    expect(() => decodeAccountEvent(recorded({ type: deposit.type, data: new Uint8Array([0xff, 0xff]) }))).toThrow(UnreadableAccountEventError);
  });
});
