import { parseMoney } from "@annals/bank";
import type { Deposit, OpenAccount, Withdraw } from "@annals/protocol/bank";
import { InvalidRequestError } from "./errors.js";
import type { AccountCommand } from "@annals/bank";
import { maxAccountIdLength } from "./streams.js";

/** Longest command id. */
export const maxCommandIdLength = 256;

const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

function requiredText(value: string, field: string, maxLength: number): string {
  if (value.length === 0) throw new InvalidRequestError(field, "is required");
  if (value.length > maxLength) throw new InvalidRequestError(field, `longer than ${maxLength} characters`);
  if (controlCharacters.test(value)) throw new InvalidRequestError(field, "contains control characters");
  return value;
}

/** A request's account id, checked. */
export function accountIdFrom(value: string, field = "account_id"): string {
  return requiredText(value, field, maxAccountIdLength);
}

/** A uint64 version from the wire, checked to be a safe integer. */
export function versionFrom(value: bigint, field: string): bigint {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidRequestError(field, "is larger than 2^53 - 1");
  return value;
}

/** An account command as a request carries it: the command, its id, and the version it expects. */
export interface CommandRequest {
  commandId: string;
  command: AccountCommand;
  /** When set, refuse the command unless the account is at this version. */
  expectedVersion?: bigint;
}

function common(command: { commandId: string; accountId: string; expectedVersion?: bigint }) {
  return {
    commandId: requiredText(command.commandId, "command.command_id", maxCommandIdLength),
    accountId: accountIdFrom(command.accountId, "command.account_id"),
    ...(command.expectedVersion === undefined ? {} : { expectedVersion: versionFrom(command.expectedVersion, "command.expected_version") }),
  };
}

function present<T>(command: T | undefined): T {
  if (command === undefined) throw new InvalidRequestError("command", "is required");
  return command;
}

export function openAccountRequest(wire: OpenAccount | undefined): CommandRequest {
  const command = present(wire);
  const { commandId, accountId, expectedVersion } = common(command);
  return {
    commandId,
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
    command: { type: "OpenAccount", accountId, initialBalance: parseMoney(command.initialBalance || "0", "initialBalance"), owner: command.owner },
  };
}

export function depositRequest(wire: Deposit | undefined): CommandRequest {
  const command = present(wire);
  const { commandId, accountId, expectedVersion } = common(command);
  return { commandId, ...(expectedVersion === undefined ? {} : { expectedVersion }), command: { type: "Deposit", accountId, amount: parseMoney(command.amount) } };
}

export function withdrawRequest(wire: Withdraw | undefined): CommandRequest {
  const command = present(wire);
  const { commandId, accountId, expectedVersion } = common(command);
  return { commandId, ...(expectedVersion === undefined ? {} : { expectedVersion }), command: { type: "Withdraw", accountId, amount: parseMoney(command.amount) } };
}
