import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AppendRequestSchema, EventStore, SubscribeRequestSchema } from "@annals/protocol";
import { PermissionDeniedError } from "./errors.js";
import { parseGrants } from "./grants.js";
import { authorize, policy } from "./policy.js";
import type { Principal } from "./principal.js";

const principal = (grants: unknown): Principal => ({ name: "p", method: "api-key", grants: parseGrants(grants, "test") });

describe("the authorization policy", () => {
  it("has a row for every RPC of the EventStore service descriptor", () => {
    const missing = EventStore.methods.filter((method) => !Object.hasOwn(policy, method.localName)).map((method) => method.name);
    expect(missing).toEqual([]);
    expect(Object.keys(policy).sort()).toEqual(EventStore.methods.map((method) => method.localName).sort());
  });

  it("grants by stream-name prefix; a category grant does not open $all", () => {
    const reader = principal({ read: ["account-"], write: ["account-"] });
    expect(() => authorize(reader, "append", create(AppendRequestSchema, { stream: "account-1" }))).not.toThrow();
    expect(() => authorize(reader, "append", create(AppendRequestSchema, { stream: "order-1" }))).toThrow(new PermissionDeniedError("p", { permission: "write", resource: "order-1", on: "stream" }));
    expect(() => authorize(reader, "subscribe", create(SubscribeRequestSchema, { target: { case: "category", value: "account-" } }))).not.toThrow();
    expect(() => authorize(reader, "subscribe", create(SubscribeRequestSchema, { target: { case: "category", value: "acc" } }))).toThrow(/read permission on prefix "acc"/);
    expect(() => authorize(reader, "subscribe", create(SubscribeRequestSchema, { target: { case: "all", value: {} }, filter: { streamPrefixes: ["account-"] } }))).toThrow(/read permission on \$all/);
    expect(() => authorize(reader, "readAll", {})).toThrow(/read permission on \$all/);
    expect(() => authorize(reader, "getEvents", {})).toThrow(/read permission on \$all/);
  });

  it("keeps a method without a row for administrators", () => {
    expect(() => authorize(principal({ read: [""], readAll: true }), "someFutureMethod", {})).toThrow(/lacks the admin permission/);
    expect(() => authorize(principal({ admin: true }), "someFutureMethod", {})).not.toThrow();
  });
});
