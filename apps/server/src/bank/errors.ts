/**
 * Errors of the account service that are not domain rules: reads of unknown
 * accounts, versions, concurrency, command ids and unreadable data. Each maps
 * to a gRPC code in `../error-mapping.ts`.
 */

/** No event was ever recorded for the account. NOT_FOUND. */
export class AccountNotFoundError extends Error {
  override readonly name = "AccountNotFoundError";
  readonly kind = "AccountNotFound";
  constructor(readonly accountId: string) {
    super(`account ${accountId} does not exist`);
  }
}

/** A version above the account's current one was asked for. OUT_OF_RANGE. */
export class VersionOutOfRangeError extends Error {
  override readonly name = "VersionOutOfRangeError";
  readonly kind = "VersionOutOfRange";
  constructor(
    readonly accountId: string,
    readonly requested: number,
    readonly current: number,
  ) {
    super(`account ${accountId} is at version ${current}, version ${requested} does not exist yet`);
  }
}

/** The command's expected version is not the account's version. FAILED_PRECONDITION. */
export class WrongExpectedVersionError extends Error {
  override readonly name = "WrongExpectedVersionError";
  readonly kind = "WrongExpectedVersion";
  constructor(
    readonly accountId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`account ${accountId} is at version ${actual}, the command expected version ${expected}`);
  }
}

/** The command id was already used for a different command on the account. INVALID_ARGUMENT. */
export class CommandIdReusedError extends Error {
  override readonly name = "CommandIdReusedError";
  readonly kind = "CommandIdReused";
  readonly field = "command.command_id";
  constructor(
    readonly accountId: string,
    readonly commandId: string,
  ) {
    super(`command id ${commandId} was already used for a different command on account ${accountId}`);
  }
}

/** Other writers kept changing the account; the command was retried and gave up. ABORTED: safe to retry. */
export class ConcurrencyConflictError extends Error {
  override readonly name = "ConcurrencyConflictError";
  readonly kind = "ConcurrencyConflict";
  constructor(
    readonly accountId: string,
    readonly attempts: number,
  ) {
    super(`account ${accountId} changed under the command ${attempts} times in a row; retry with the same command id`);
  }
}

/** An event in an account's stream cannot be read as an account event. DATA_LOSS. */
export class UnreadableAccountEventError extends Error {
  override readonly name = "UnreadableAccountEventError";
  readonly kind = "UnreadableAccountEvent";
  constructor(
    readonly stream: string,
    readonly revision: number,
    reason: string,
  ) {
    super(`event ${revision} of stream ${stream} is not a readable account event: ${reason}`);
  }
}
