import type { MessageShape } from "@bufbuild/protobuf";
import type { EventStore } from "@annals/protocol";
import { PermissionDeniedError, type Requirement } from "./errors.js";
import { covers } from "./grants.js";
import type { Principal } from "./principal.js";

type Methods = typeof EventStore.method;

/**
 * The one table of who may call what: each EventStore RPC, keyed by its method,
 * gives the permission its request needs. Every RPC has a row (the type requires
 * it, and `policy.unit.spec.ts` checks the service descriptor): a new RPC cannot be
 * served before it is given one.
 */
export const policy: { readonly [K in keyof Methods]: (request: MessageShape<Methods[K]["input"]>) => Requirement } = {
  append: (request) => ({ permission: "write", resource: request.stream, on: "stream" }),
  readStream: (request) => ({ permission: "read", resource: request.stream, on: "stream" }),
  readStreamPage: (request) => ({ permission: "read", resource: request.stream, on: "stream" }),
  readAll: () => ({ permission: "readAll" }),
  getStream: (request) => ({ permission: "read", resource: request.stream, on: "stream" }),
  // The names listed are those under the prefix: the prefix must be readable.
  listStreams: (request) => ({ permission: "read", resource: request.prefix, on: "prefix" }),
  subscribe: (request) => {
    const target = request.target;
    if (target.case === "stream") return { permission: "read", resource: target.value, on: "stream" };
    if (target.case === "category") return { permission: "read", resource: target.value, on: "prefix" };
    // $all, filtered or not: a filter is the client's choice, not a bound on what it could ask for.
    return { permission: "readAll" };
  },
  setCheckpoint: (request) => ({ permission: "checkpoints", resource: request.name, on: "checkpoint" }),
  getCheckpoint: (request) => ({ permission: "checkpoints", resource: request.name, on: "checkpoint" }),
  // Events by id, wherever they are stored: as much as reading $all.
  getEvents: () => ({ permission: "readAll" }),
  listCheckpoints: (request) => ({ permission: "checkpoints", resource: request.prefix, on: "checkpoint prefix" }),
  getSchemas: () => ({ permission: "authenticated" }),
  // Lifecycle: retention and soft deletes are the stream writer's; what can never be
  // undone (a tombstone, physical removal, destroying a subject's key) is the administrator's.
  setStreamMetadata: (request) => ({ permission: "write", resource: request.stream, on: "stream" }),
  getStreamMetadata: (request) => ({ permission: "read", resource: request.stream, on: "stream" }),
  deleteStream: (request) => (request.tombstone ? { permission: "admin" } : { permission: "write", resource: request.stream, on: "stream" }),
  tombstoneStream: () => ({ permission: "admin" }),
  scavenge: () => ({ permission: "admin" }),
  forgetSubject: () => ({ permission: "admin" }),
};

/** Whether `principal`'s grants meet `requirement`. */
export function allows(principal: Principal, requirement: Requirement): boolean {
  const { grants } = principal;
  if (grants.admin) return true;
  const resource = requirement.resource ?? "";
  switch (requirement.permission) {
    case "authenticated":
      return true;
    case "read":
      return covers(grants.read, resource);
    case "write":
      return covers(grants.write, resource);
    case "readAll":
      return grants.readAll;
    case "checkpoints":
      return covers(grants.checkpoints, resource);
    case "admin":
      return false;
  }
}

/** What a call of `method` with `request` needs; throws `PermissionDeniedError` when `principal` lacks it. */
export function authorize(principal: Principal, method: string, request: unknown): void {
  const row = (policy as Record<string, ((request: unknown) => Requirement) | undefined>)[method];
  // No row: only an administrator may call it (a method added without a policy stays closed).
  const requirement: Requirement = row ? row(request) : { permission: "admin" };
  if (!allows(principal, requirement)) throw new PermissionDeniedError(principal.name, requirement);
}
