/** Base of the toolkit's errors. */
export abstract class ToolkitError extends Error {
  abstract readonly kind: string;
}

/** The caller expected the entity at another version than it is. */
export class WrongExpectedVersionError extends ToolkitError {
  readonly kind = "wrong-expected-version";
  constructor(
    readonly stream: string,
    readonly expected: bigint,
    readonly actual: bigint,
  ) {
    super(`${stream} is at version ${actual}, the command expected version ${expected}`);
    this.name = "WrongExpectedVersionError";
  }
}

/** Other writers kept changing the entity while a command was decided; it gave up after `attempts`. Safe to retry. */
export class ConcurrencyConflictError extends ToolkitError {
  readonly kind = "concurrency-conflict";
  constructor(
    readonly stream: string,
    readonly attempts: number,
  ) {
    super(`${stream} changed under the command ${attempts} times in a row; retry with the same command id`);
    this.name = "ConcurrencyConflictError";
  }
}

/** A command id was already used for a different command (or on another stream). */
export class CommandIdReusedError extends ToolkitError {
  readonly kind = "command-id-reused";
  constructor(
    readonly stream: string,
    readonly commandId: string,
  ) {
    super(`command id ${commandId} was already used for a different command than this one on ${stream}`);
    this.name = "CommandIdReusedError";
  }
}

/** A recorded event of an entity's stream that its event codec cannot read. */
export class UnreadableEventError extends ToolkitError {
  readonly kind = "unreadable-event";
  constructor(
    readonly stream: string,
    readonly revision: bigint,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`event ${revision} of ${stream} cannot be read: ${reason}`, options);
    this.name = "UnreadableEventError";
  }
}

export function isToolkitError(error: unknown): error is ToolkitError {
  return error instanceof ToolkitError;
}
