/**
 * Errors of the account service that are not domain rules (`@annals/bank`) nor
 * the toolkit's: malformed requests, unknown accounts, versions not reached.
 * Each maps to a gRPC code in `error-mapping.ts`.
 */

/** A request field is malformed. INVALID_ARGUMENT with an InvalidField detail. */
export class InvalidRequestError extends Error {
  override readonly name = "InvalidRequestError";
  readonly kind = "InvalidRequest";
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid ${field}: ${reason}`);
  }
}

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
    readonly requested: bigint,
    readonly current: bigint,
  ) {
    super(`account ${accountId} is at version ${current}, version ${requested} does not exist yet`);
  }
}
