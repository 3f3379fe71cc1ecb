import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { InvalidInputError, LimitExceededError, StoreUnavailableError, WrongExpectedRevisionError } from "@annals/store";
import { InvalidFieldSchema, WrongExpectedRevisionSchema } from "@annals/protocol";
import { isBankError } from "@annals/bank";
import { toWireExpectedRevision } from "./wire.js";
import {
  AccountNotFoundError,
  CommandIdReusedError,
  ConcurrencyConflictError,
  UnreadableAccountEventError,
  VersionOutOfRangeError,
  WrongExpectedVersionError,
} from "./bank/errors.js";

/** Where the server reports errors that are bugs (mapped to INTERNAL). */
export type BugReporter = (error: unknown) => void;

/**
 * The one place where typed store and domain errors become gRPC codes:
 * - wrong expected revision → FAILED_PRECONDITION, with a WrongExpectedRevision detail
 * - malformed input → INVALID_ARGUMENT, with an InvalidField detail
 * - an append over the size limits → RESOURCE_EXHAUSTED, with an InvalidField detail
 * - database unreachable or server closing → UNAVAILABLE
 * - bank accounts: see `fromBankError`
 * - anything else is a bug → INTERNAL, without leaking its message
 */
export function toConnectError(error: unknown, reportBug: BugReporter): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof WrongExpectedRevisionError) {
    const detail = create(WrongExpectedRevisionSchema, {
      stream: error.stream,
      expected: toWireExpectedRevision(error.expected),
      actualRevision: error.actual === undefined ? undefined : BigInt(error.actual),
    });
    return new ConnectError(error.message, Code.FailedPrecondition, undefined, [{ desc: WrongExpectedRevisionSchema, value: detail }]);
  }
  if (error instanceof InvalidInputError || error instanceof LimitExceededError) {
    const code = error instanceof LimitExceededError ? Code.ResourceExhausted : Code.InvalidArgument;
    const detail = create(InvalidFieldSchema, { field: error.field, reason: error.reason });
    return new ConnectError(error.message, code, undefined, [{ desc: InvalidFieldSchema, value: detail }]);
  }
  if (error instanceof StoreUnavailableError) return new ConnectError(error.message, Code.Unavailable);
  const bank = fromBankError(error);
  if (bank) return bank;
  reportBug(error);
  return new ConnectError("internal error", Code.Internal);
}

/**
 * Bank accounts:
 * - money that is not a plain decimal, a zero or negative amount, a command id
 *   reused for a different command → INVALID_ARGUMENT, with an InvalidField detail
 * - a broken rule (insufficient funds, opened twice, not opened; the message
 *   gives the balance and the amount) or a wrong expected version → FAILED_PRECONDITION
 * - an account never opened → NOT_FOUND; a version above the current one → OUT_OF_RANGE
 * - other writers kept winning the account's retries → ABORTED (retry with the same command id)
 * - an account event that cannot be read → DATA_LOSS
 */
function fromBankError(error: unknown): ConnectError | undefined {
  const invalidField = (message: string, field: string) =>
    new ConnectError(message, Code.InvalidArgument, undefined, [{ desc: InvalidFieldSchema, value: create(InvalidFieldSchema, { field, reason: message }) }]);
  if (isBankError(error)) {
    if (error.kind === "InvalidMoney" || error.kind === "NonPositiveAmount") return invalidField(error.message, error.field);
    return new ConnectError(error.message, Code.FailedPrecondition);
  }
  if (error instanceof CommandIdReusedError) return invalidField(error.message, error.field);
  if (error instanceof WrongExpectedVersionError) return new ConnectError(error.message, Code.FailedPrecondition);
  if (error instanceof AccountNotFoundError) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof VersionOutOfRangeError) return new ConnectError(error.message, Code.OutOfRange);
  if (error instanceof ConcurrencyConflictError) return new ConnectError(error.message, Code.Aborted);
  if (error instanceof UnreadableAccountEventError) return new ConnectError(error.message, Code.DataLoss);
  return undefined;
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, reportBug: BugReporter): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error, reportBug);
  }
}

/** Applies `toConnectError` to every handler's errors, unary and streaming alike. */
export function errorMapping(reportBug: BugReporter): Interceptor {
  return (next) => async (request) => {
    try {
      const response = await next(request);
      return response.stream ? { ...response, message: mapStreamErrors(response.message, reportBug) } : response;
    } catch (error) {
      throw toConnectError(error, reportBug);
    }
  };
}
