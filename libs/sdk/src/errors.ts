import { Code, ConnectError } from "@connectrpc/connect";
import {
  DataSubjectRefusedSchema,
  InvalidFieldSchema,
  StreamNotFoundSchema,
  StreamTombstonedSchema,
  WrongExpectedCheckpointSchema,
  WrongExpectedMetadataRevisionSchema,
  WrongExpectedRevisionSchema,
} from "@annals/protocol";
import { fromWireExpected, type ExpectedRevision } from "./expected-revision.js";

/** Every error the client raises for a failed call; `code` is the gRPC code. */
export class AnnalsError extends Error {
  readonly kind: string = "annals";
  constructor(
    message: string,
    readonly code: Code,
    /** The offending field, when the server named one (INVALID_ARGUMENT, RESOURCE_EXHAUSTED). */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AnnalsError";
  }
}

/** The stream's state did not match the expected revision. */
export class WrongExpectedRevisionError extends AnnalsError {
  override readonly kind = "wrong-expected-revision";
  constructor(
    message: string,
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision; `undefined` when it does not exist. */
    readonly actual: bigint | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, Code.FailedPrecondition, undefined, options);
    this.name = "WrongExpectedRevisionError";
  }
}

export function isWrongExpectedRevisionError(error: unknown): error is WrongExpectedRevisionError {
  return error instanceof WrongExpectedRevisionError;
}

/** A compare-and-set of a checkpoint found it elsewhere than expected. */
export class WrongExpectedCheckpointError extends AnnalsError {
  override readonly kind = "wrong-expected-checkpoint";
  constructor(
    message: string,
    /** The checkpoint's name. */
    readonly checkpoint: string,
    readonly expected: bigint,
    /** Where the checkpoint is; 0 when it was never set. */
    readonly actual: bigint,
    options?: { cause?: unknown },
  ) {
    super(message, Code.FailedPrecondition, undefined, options);
    this.name = "WrongExpectedCheckpointError";
  }
}

/** The stream's metadata was not at the expected metadata revision. */
export class WrongExpectedMetadataRevisionError extends AnnalsError {
  override readonly kind = "wrong-expected-metadata-revision";
  constructor(
    message: string,
    readonly stream: string,
    readonly expected: bigint,
    /** The metadata's revision; 0 when it was never set. */
    readonly actual: bigint,
    options?: { cause?: unknown },
  ) {
    super(message, Code.FailedPrecondition, undefined, options);
    this.name = "WrongExpectedMetadataRevisionError";
  }
}

/** The stream was tombstoned: NOT_FOUND when read, FAILED_PRECONDITION when written. Its name can never be used again. */
export class StreamTombstonedError extends AnnalsError {
  override readonly kind = "stream-tombstoned";
  constructor(
    message: string,
    code: Code,
    readonly stream: string,
    options?: { cause?: unknown },
  ) {
    super(message, code, undefined, options);
    this.name = "StreamTombstonedError";
  }
}

/** DeleteStream found no such stream (never written, or deleted already). */
export class StreamNotFoundError extends AnnalsError {
  override readonly kind = "stream-not-found";
  constructor(
    message: string,
    readonly stream: string,
    options?: { cause?: unknown },
  ) {
    super(message, Code.NotFound, undefined, options);
    this.name = "StreamNotFoundError";
  }
}

/** An append named a data subject the server cannot encrypt for: forgotten, or no master key. */
export class DataSubjectRefusedError extends AnnalsError {
  override readonly kind = "data-subject-refused";
  constructor(
    message: string,
    readonly subject: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, Code.FailedPrecondition, undefined, options);
    this.name = "DataSubjectRefusedError";
  }
}

/** Maps whatever a call threw to the client's typed errors. */
export function fromCallError(error: unknown): Error {
  if (error instanceof AnnalsError) return error;
  const connectError = ConnectError.from(error);
  const [conflict] = connectError.findDetails(WrongExpectedRevisionSchema);
  if (conflict) {
    return new WrongExpectedRevisionError(connectError.rawMessage, conflict.stream, fromWireExpected(conflict.expected), conflict.actualRevision, {
      cause: error,
    });
  }
  const [checkpoint] = connectError.findDetails(WrongExpectedCheckpointSchema);
  if (checkpoint) {
    return new WrongExpectedCheckpointError(connectError.rawMessage, checkpoint.name, checkpoint.expectedPosition, checkpoint.actualPosition, { cause: error });
  }
  const [metadata] = connectError.findDetails(WrongExpectedMetadataRevisionSchema);
  if (metadata) {
    return new WrongExpectedMetadataRevisionError(connectError.rawMessage, metadata.stream, metadata.expectedMetadataRevision, metadata.actualMetadataRevision, { cause: error });
  }
  const [tombstoned] = connectError.findDetails(StreamTombstonedSchema);
  if (tombstoned) return new StreamTombstonedError(connectError.rawMessage, connectError.code, tombstoned.stream, { cause: error });
  const [notFound] = connectError.findDetails(StreamNotFoundSchema);
  if (notFound) return new StreamNotFoundError(connectError.rawMessage, notFound.stream, { cause: error });
  const [subject] = connectError.findDetails(DataSubjectRefusedSchema);
  if (subject) return new DataSubjectRefusedError(connectError.rawMessage, subject.subject, subject.reason, { cause: error });
  const [invalid] = connectError.findDetails(InvalidFieldSchema);
  return new AnnalsError(connectError.rawMessage, connectError.code, invalid?.field, { cause: error });
}
