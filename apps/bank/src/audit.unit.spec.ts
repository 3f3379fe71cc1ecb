import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "./errors.js";
import { auditContextFrom, auditMetadata } from "./audit.js";

describe("audit", () => {
  const now = new Date("2025-01-02T03:04:05.678Z");

  it("reads the actor, correlation and causation headers", () => {
    const context = auditContextFrom(new Headers({ "x-annals-actor": "ada", "x-annals-correlation-id": "order-1", "x-annals-causation-id": "event-9" }), now);
    expect(auditMetadata(context, "cmd-1", "Deposit")).toEqual({
      actor: "ada",
      command_id: "cmd-1",
      command_type: "Deposit",
      correlation_id: "order-1",
      causation_id: "event-9",
      received_at: "2025-01-02T03:04:05.678Z",
    });
  });

  it("defaults to anonymous, a new correlation id, and the command as the cause", () => {
    const metadata = auditMetadata(auditContextFrom(new Headers(), now), "cmd-2", "Withdraw");
    expect(metadata).toMatchObject({ actor: "anonymous", causation_id: "cmd-2" });
    expect(metadata["correlation_id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("refuses an over-long header", () => {
    expect(() => auditContextFrom(new Headers({ "x-annals-actor": "x".repeat(257) }))).toThrow(InvalidRequestError);
  });
});
