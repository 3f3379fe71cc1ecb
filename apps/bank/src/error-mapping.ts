import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { isBankError } from "@annals/bank";
import { InvalidFieldSchema } from "@annals/protocol";
import { AnnalsError } from "@annals/sdk";
import { CommandIdReusedError, ConcurrencyConflictError, UnreadableEventError, WrongExpectedVersionError } from "@annals/toolkit";
import { InvalidPageTokenError } from "@annals/toolkit/knex";
import { AccountNotFoundError, InvalidRequestError, VersionOutOfRangeError } from "./errors.js";

/** Where the service reports errors that are bugs (mapped to INTERNAL). */
export type BugReporter = (error: unknown) => void;

function invalidField(message: string, field: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument, undefined, [{ desc: InvalidFieldSchema, value: create(InvalidFieldSchema, { field, reason: message }) }]);
}

/**
 * The one place where the bank's errors become gRPC codes:
 * - a malformed request, money that is not a plain decimal, a zero or negative
 *   amount, a command id reused for another command, a page token not issued
 *   here → INVALID_ARGUMENT, with an InvalidField detail
 * - a broken rule (insufficient funds, opened twice, not opened; the message
 *   gives the balance and the amount) or a wrong expected version → FAILED_PRECONDITION
 * - an account never opened → NOT_FOUND; a version above the current one → OUT_OF_RANGE
 * - other writers kept winning the account's retries → ABORTED (retry with the same command id)
 * - an account event that cannot be read → DATA_LOSS
 * - the event store's answers keep their code (UNAVAILABLE when it is down);
 *   the event store refusing the bank's own credentials → UNAVAILABLE
 * - anything else is a bug → INTERNAL, without leaking its message
 */
export function toConnectError(error: unknown, reportBug: BugReporter): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof InvalidRequestError) return invalidField(error.message, error.field);
  if (error instanceof InvalidPageTokenError) return invalidField(error.message, error.field);
  if (error instanceof CommandIdReusedError) return invalidField(error.message, "command.command_id");
  if (isBankError(error)) {
    if (error.kind === "InvalidMoney" || error.kind === "NonPositiveAmount") return invalidField(error.message, error.field);
    return new ConnectError(error.message, Code.FailedPrecondition);
  }
  if (error instanceof WrongExpectedVersionError) return new ConnectError(error.message, Code.FailedPrecondition);
  if (error instanceof AccountNotFoundError) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof VersionOutOfRangeError) return new ConnectError(error.message, Code.OutOfRange);
  if (error instanceof ConcurrencyConflictError) return new ConnectError(error.message, Code.Aborted);
  if (error instanceof UnreadableEventError) return new ConnectError(error.message, Code.DataLoss);
  if (error instanceof AnnalsError) {
    if (error.code === Code.Unauthenticated || error.code === Code.PermissionDenied) {
      reportBug(error);
      return new ConnectError("the event store refused the bank service's credentials", Code.Unavailable);
    }
    if (error.code === Code.Internal || error.code === Code.Unknown) {
      reportBug(error);
      return new ConnectError("the event store failed", Code.Unavailable);
    }
    const details = error.field === undefined ? [] : [{ desc: InvalidFieldSchema, value: create(InvalidFieldSchema, { field: error.field, reason: error.message }) }];
    return new ConnectError(error.message, error.code, undefined, details);
  }
  reportBug(error);
  return new ConnectError("internal error", Code.Internal);
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
