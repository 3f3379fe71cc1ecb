import { uuidV5, type CommandEventIds } from "@annals/toolkit";
import { accountIdOf } from "./streams.js";

/** The namespace of the UUIDs derived from account commands (a fixed, random UUID; the bank's ids since release 0.1). */
const commandNamespace = "5b7a0c1e-3f0d-4d5e-9a55-2f6b8e1c4a90";

/**
 * The id of the `index`-th event a command records on an account: UUID v5 of
 * (account id, command id, index). The same command always gives the same ids,
 * so a command sent twice is recognised, also one recorded by release 0.1.
 */
export function commandEventId(accountId: string, commandId: string, index: number): Promise<string> {
  return uuidV5(JSON.stringify([accountId, commandId, index]), commandNamespace);
}

/** The derivation the toolkit's command handler uses for account streams. */
export const accountCommandEventIds: CommandEventIds = (stream, commandId, index) => commandEventId(accountIdOf(stream) ?? stream, commandId, index);
