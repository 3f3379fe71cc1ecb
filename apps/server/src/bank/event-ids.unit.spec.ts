import { describe, expect, it } from "vitest";
import { commandEventId, uuidV5 } from "./event-ids.js";

describe("uuidV5", () => {
  it("matches the reference vector (www.example.com in the DNS namespace)", () => {
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });
});

describe("commandEventId", () => {
  it("is the same for the same account, command and index, and differs otherwise", () => {
    const id = commandEventId("ACC-001", "cmd-1", 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(commandEventId("ACC-001", "cmd-1", 0)).toBe(id);
    expect(new Set([id, commandEventId("ACC-002", "cmd-1", 0), commandEventId("ACC-001", "cmd-2", 0), commandEventId("ACC-001", "cmd-1", 1)]).size).toBe(4);
  });

  it("cannot be confused by separators inside the ids", () => {
    expect(commandEventId("a", "b,c", 0)).not.toBe(commandEventId("a,b", "c", 0));
  });
});
