import { Code, ConnectError } from "@connectrpc/connect";
import { InvalidFieldSchema, WrongExpectedCheckpointSchema, WrongExpectedRevisionSchema } from "@annals/protocol";
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
  const [invalid] = connectError.findDetails(InvalidFieldSchema);
  return new AnnalsError(connectError.rawMessage, connectError.code, invalid?.field, { cause: error });
}
