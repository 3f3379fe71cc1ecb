import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  DataSubjectError,
  InvalidInputError,
  LimitExceededError,
  StorageFullError,
  StoreUnavailableError,
  StreamNotFoundError,
  StreamTombstonedError,
  WrongExpectedCheckpointError,
  WrongExpectedMetadataRevisionError,
  WrongExpectedRevisionError,
} from "@annals/store";
import {
  DataSubjectRefusedSchema,
  InvalidFieldSchema,
  StreamNotFoundSchema,
  StreamTombstonedSchema,
  WrongExpectedCheckpointSchema,
  WrongExpectedMetadataRevisionSchema,
  WrongExpectedRevisionSchema,
} from "@annals/protocol";
import { toWireExpectedRevision } from "./wire.js";
import { PermissionDeniedError, UnauthenticatedError } from "./security/errors.js";

/** Where the server reports errors that are bugs (mapped to INTERNAL). */
export type BugReporter = (error: unknown) => void;

/**
 * The one place where typed store errors become gRPC codes:
 * - wrong expected revision → FAILED_PRECONDITION, with a WrongExpectedRevision detail
 * - a checkpoint not at the expected position → FAILED_PRECONDITION, with a WrongExpectedCheckpoint detail
 * - stream metadata not at the expected metadata revision → FAILED_PRECONDITION, with a WrongExpectedMetadataRevision detail
 * - a tombstoned stream → NOT_FOUND when read, FAILED_PRECONDITION when written, with a StreamTombstoned detail
 * - deleting a stream that does not exist → NOT_FOUND, with a StreamNotFound detail
 * - an append for a forgotten data subject, or one without a master key → FAILED_PRECONDITION, with a DataSubjectRefused detail
 * - malformed input → INVALID_ARGUMENT, with an InvalidField detail
 * - an append over the size limits → RESOURCE_EXHAUSTED, with an InvalidField detail
 * - database unreachable or server closing → UNAVAILABLE (the database's own words stay in the log)
 * - no room left for the database (a full disk) → RESOURCE_EXHAUSTED
 * - the client cancelled or its deadline passed → CANCELLED / DEADLINE_EXCEEDED, whatever failed after that
 * - no valid credentials → UNAUTHENTICATED; a principal without the grant → PERMISSION_DENIED, naming the permission
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
  if (error instanceof WrongExpectedMetadataRevisionError) {
    const detail = create(WrongExpectedMetadataRevisionSchema, {
      stream: error.stream,
      expectedMetadataRevision: BigInt(error.expected),
      actualMetadataRevision: BigInt(error.actual),
    });
    return new ConnectError(error.message, Code.FailedPrecondition, undefined, [{ desc: WrongExpectedMetadataRevisionSchema, value: detail }]);
  }
  if (error instanceof StreamTombstonedError) {
    const detail = create(StreamTombstonedSchema, { stream: error.stream });
    const code = error.operation === "read" ? Code.NotFound : Code.FailedPrecondition;
    return new ConnectError(error.message, code, undefined, [{ desc: StreamTombstonedSchema, value: detail }]);
  }
  if (error instanceof DataSubjectError) {
    const detail = create(DataSubjectRefusedSchema, { subject: error.subject, reason: error.reason });
    return new ConnectError(error.message, Code.FailedPrecondition, undefined, [{ desc: DataSubjectRefusedSchema, value: detail }]);
  }
  if (error instanceof StreamNotFoundError) {
    const detail = create(StreamNotFoundSchema, { stream: error.stream });
    return new ConnectError(error.message, Code.NotFound, undefined, [{ desc: StreamNotFoundSchema, value: detail }]);
  }
  if (error instanceof InvalidInputError || error instanceof LimitExceededError) {
    const code = error instanceof LimitExceededError ? Code.ResourceExhausted : Code.InvalidArgument;
    const detail = create(InvalidFieldSchema, { field: error.field, reason: error.reason });
    return new ConnectError(error.message, code, undefined, [{ desc: InvalidFieldSchema, value: detail }]);
  }
  if (error instanceof UnauthenticatedError) return new ConnectError(error.message, Code.Unauthenticated);
  if (error instanceof PermissionDeniedError) return new ConnectError(error.message, Code.PermissionDenied);
  if (error instanceof StoreUnavailableError) return unavailable(error);
  if (error instanceof StorageFullError) return new ConnectError("no room left for the database: nothing was written; retry once there is room", Code.ResourceExhausted, undefined, undefined, error);
  reportBug(error);
  return new ConnectError("internal error", Code.Internal);
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, map: (error: unknown) => ConnectError): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw map(error);
  }
}

/** Applies `toConnectError` to every handler's errors, unary and streaming alike. */
export function errorMapping(reportBug: BugReporter): Interceptor {
  return (next) => async (request) => {
    const deadline = deadlineOf(request.header);
    const map = (error: unknown) => endedByClient(request.signal, deadline) ?? toConnectError(error, reportBug);
    try {
      const response = await next(request);
      return response.stream ? { ...response, message: mapStreamErrors(response.message, map) } : response;
    } catch (error) {
      throw map(error);
    }
  };
}

// ---------------------------------------------------------------------------
// Transport outcomes: the client went away, its deadline passed, the database failed.

/**
 * A call whose client cancelled (RST_STREAM, a closed connection) or whose
 * deadline passed ends with CANCELLED or DEADLINE_EXCEEDED, whatever the handler
 * failed with afterwards (an aborted read, a write to a stream already reset):
 * that is the client's doing, not a fault of the server.
 */
function endedByClient(signal: AbortSignal, deadline: number | undefined): ConnectError | undefined {
  if (!signal.aborted) return undefined;
  const reason: unknown = signal.reason;
  if (reason instanceof ConnectError && reason.code === Code.DeadlineExceeded) return reason;
  // A client at its deadline usually resets the stream a moment before the server's own timer fires.
  if (deadline !== undefined && Date.now() >= deadline - deadlineSlackMs) return new ConnectError("the deadline passed", Code.DeadlineExceeded);
  if (reason instanceof ConnectError && reason.code === Code.Canceled) return reason;
  // Node aborts a request without a reason when its HTTP/2 stream closes without an error code.
  if (reason instanceof Error && reason.name === "AbortError") return new ConnectError("the client went away", Code.Canceled);
  return undefined;
}

/** How early a client's reset may come before the server's own view of the deadline (the request took time to arrive and be read), ms. */
const deadlineSlackMs = 250;

/** When the call's deadline (`grpc-timeout` or `connect-timeout-ms`) passes, in ms since the epoch. */
function deadlineOf(header: Headers): number | undefined {
  const connect = header.get("connect-timeout-ms");
  if (connect !== null && /^\d{1,10}$/.test(connect)) return Date.now() + Number(connect);
  const grpc = /^(\d{1,8})([HMSmun])$/.exec(header.get("grpc-timeout") ?? "");
  if (!grpc) return undefined;
  const unitMs = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 }[grpc[2] as "H" | "M" | "S" | "m" | "u" | "n"];
  return Date.now() + Number(grpc[1]) * unitMs;
}

/**
 * A database that failed answers UNAVAILABLE in plain words: the driver's text
 * ("ROLLBACK - Client has encountered a connection error") is no business of the
 * client's. It stays with the error as its cause, which the request log records.
 */
function unavailable(error: StoreUnavailableError): ConnectError {
  if (error.cause === undefined) return new ConnectError(error.message, Code.Unavailable);
  return new ConnectError("the database is unavailable: retry later", Code.Unavailable, undefined, undefined, error);
}
