import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  InvalidInputError,
  LimitExceededError,
  StorageFullError,
  StoreUnavailableError,
  WrongExpectedCheckpointError,
  WrongExpectedRevisionError,
} from "@annals/store";
import { InvalidFieldSchema, WrongExpectedCheckpointSchema, WrongExpectedRevisionSchema } from "@annals/protocol";
import { toWireExpectedRevision } from "./wire.js";

/** Where the server reports errors that are bugs (mapped to INTERNAL). */
export type BugReporter = (error: unknown) => void;

/**
 * The one place where typed store errors become gRPC codes:
 * - wrong expected revision → FAILED_PRECONDITION, with a WrongExpectedRevision detail
 * - a checkpoint not at the expected position → FAILED_PRECONDITION, with a WrongExpectedCheckpoint detail
 * - malformed input → INVALID_ARGUMENT, with an InvalidField detail
 * - an append over the size limits → RESOURCE_EXHAUSTED, with an InvalidField detail
 * - database unreachable or server closing → UNAVAILABLE
 * - no room left for the database (a full disk) → RESOURCE_EXHAUSTED
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
  if (error instanceof WrongExpectedCheckpointError) {
    const detail = create(WrongExpectedCheckpointSchema, { name: error.checkpoint, expectedPosition: BigInt(error.expected), actualPosition: BigInt(error.actual) });
    return new ConnectError(error.message, Code.FailedPrecondition, undefined, [{ desc: WrongExpectedCheckpointSchema, value: detail }]);
  }
  if (error instanceof InvalidInputError || error instanceof LimitExceededError) {
    const code = error instanceof LimitExceededError ? Code.ResourceExhausted : Code.InvalidArgument;
    const detail = create(InvalidFieldSchema, { field: error.field, reason: error.reason });
    return new ConnectError(error.message, code, undefined, [{ desc: InvalidFieldSchema, value: detail }]);
  }
  if (error instanceof StoreUnavailableError) return new ConnectError(error.message, Code.Unavailable);
  if (error instanceof StorageFullError) return new ConnectError(error.message, Code.ResourceExhausted);
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
