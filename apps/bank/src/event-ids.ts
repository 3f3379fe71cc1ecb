import { commandTimedUuid, uuidV5, type CommandEventIds } from "@annals/toolkit";
import { accountIdOf } from "./streams.js";

/** The namespace of the UUIDs derived from account commands (a fixed, random UUID; the bank's ids since release 0.1). */
const commandNamespace = "5b7a0c1e-3f0d-4d5e-9a55-2f6b8e1c4a90";

const nameOf = (accountId: string, commandId: string, index: number) => JSON.stringify([accountId, commandId, index]);

/**
 * The id of the `index`-th event a command records on an account, derived from
 * (account id, command id, index): time-ordered for a time-ordered (version 7)
 * command id, as the bank's client makes them, else UUID v5 (`commandTimedUuid`).
 * The same command always gives the same ids, so a command sent twice is recognised.
 */
export function commandEventId(accountId: string, commandId: string, index: number): Promise<string> {
  return commandTimedUuid(nameOf(accountId, commandId, index), commandNamespace, commandId);
}

/** The ids of releases before time-ordered ones: UUID v5 of (account id, command id, index), whatever the command id. */
export function formerCommandEventId(accountId: string, commandId: string, index: number): Promise<string> {
  return uuidV5(nameOf(accountId, commandId, index), commandNamespace);
}

/** The derivation the toolkit's command handler uses for account streams. */
export const accountCommandEventIds: CommandEventIds = (stream, commandId, index) => commandEventId(accountIdOf(stream) ?? stream, commandId, index);

/** The one it looks up too, so that a command recorded by an earlier release is recognised when sent again. */
export const formerAccountCommandEventIds: CommandEventIds = (stream, commandId, index) => formerCommandEventId(accountIdOf(stream) ?? stream, commandId, index);
