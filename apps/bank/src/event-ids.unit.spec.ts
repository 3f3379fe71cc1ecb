import { describe, expect, it } from "vitest";
import { newCommandId } from "@annals/toolkit";
import { accountCommandEventIds, commandEventId, formerAccountCommandEventIds, formerCommandEventId } from "./event-ids.js";

describe("commandEventId", () => {
  it("is the same for the same account, command and index, and differs otherwise", async () => {
    const id = await commandEventId("ACC-001", "cmd-1", 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await commandEventId("ACC-001", "cmd-1", 0)).toBe(id);
    const others = await Promise.all([commandEventId("ACC-002", "cmd-1", 0), commandEventId("ACC-001", "cmd-2", 0), commandEventId("ACC-001", "cmd-1", 1)]);
    expect(new Set([id, ...others]).size).toBe(4);
  });

  it("cannot be confused by separators inside the ids", async () => {
    expect(await commandEventId("a", "b,c", 0)).not.toBe(await commandEventId("a,b", "c", 0));
  });

  it("gives the ids release 0.1 recorded (the account opened in the migration fixture)", async () => {
    // libs/store/src/testing/fixtures: ACC-1 opened with command e31e4feb-…, its event id 361cf884-….
    expect(await commandEventId("ACC-1", "e31e4feb-b0ad-4ccc-92ba-84641397a0e5", 0)).toBe("361cf884-e0c1-53ad-810f-077e2651da41");
    expect(await accountCommandEventIds("account-ACC-1", "e31e4feb-b0ad-4ccc-92ba-84641397a0e5", 0)).toBe("361cf884-e0c1-53ad-810f-077e2651da41");
  });

  it("is time-ordered for a time-ordered command id, and the former UUID v5 id stays findable", async () => {
    const commandId = newCommandId();
    const id = await commandEventId("ACC-001", commandId, 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.slice(0, 13)).toBe(commandId.slice(0, 13));
    const former = await formerCommandEventId("ACC-001", commandId, 0);
    expect(former).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.slice(15)).toBe(former.slice(15));
    expect(await formerAccountCommandEventIds("account-ACC-001", commandId, 0)).toBe(former);
    expect(await accountCommandEventIds("account-ACC-001", commandId, 0)).toBe(id);
  });
});
