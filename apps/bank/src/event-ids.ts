import { commandEventIdsIn, type CommandEventIds } from "@annals/toolkit";
import { accountIdOf, accountStream } from "./streams.js";

/** The namespace of the UUIDs derived from account commands (a fixed, random UUID; the bank's ids since release 0.1). */
const commandNamespace = "5b7a0c1e-3f0d-4d5e-9a55-2f6b8e1c4a90";

/** Named after (account id, command id, index), as since release 0.1. */
const derivations = commandEventIdsIn(commandNamespace, (stream) => accountIdOf(stream) ?? stream);

/** The derivation the toolkit's command handler uses for account streams: time-ordered for a time-ordered command id, as the bank's client makes them, else UUID v5. */
export const accountCommandEventIds: CommandEventIds = derivations.eventIds;

/** The one it looks up too (UUID v5 whatever the command id), so that a command recorded by an earlier release is recognised when sent again. */
export const formerAccountCommandEventIds: CommandEventIds = derivations.formerEventIds;

/**
 * The id of the `index`-th event a command records on an account. The same command
 * always gives the same ids, so a command sent twice is recognised.
 */
export function commandEventId(accountId: string, commandId: string, index: number): Promise<string> {
  return derivations.eventIds(accountStream(accountId), commandId, index);
}

/** The id releases before time-ordered ids gave it: UUID v5 of (account id, command id, index). */
export function formerCommandEventId(accountId: string, commandId: string, index: number): Promise<string> {
  return derivations.formerEventIds(accountStream(accountId), commandId, index);
}
