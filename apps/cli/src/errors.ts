import { AnnalsError, Code, WrongExpectedRevisionError } from "@annals/sdk";

/** Exit codes: 0 done, 1 a call or the work failed, 2 the command line (or its input) is wrong. */
export const exitCode = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line or its input is wrong: exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The work failed for a reason the message tells in full: exits 1. */
export class CommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CommandError";
  }
}

const codeNames: Partial<Record<Code, string>> = {
  [Code.Unavailable]: "unavailable",
  [Code.DeadlineExceeded]: "deadline exceeded",
  [Code.InvalidArgument]: "invalid argument",
  [Code.NotFound]: "not found",
  [Code.FailedPrecondition]: "failed precondition",
  [Code.ResourceExhausted]: "resource exhausted",
  [Code.Unimplemented]: "unimplemented",
  [Code.Internal]: "internal error",
};

/** One line that says what went wrong, without a stack. */
export function describeError(error: unknown, url: string | undefined): string {
  if (error instanceof WrongExpectedRevisionError) {
    const actual = error.actual === undefined ? "it does not exist" : `its last revision is ${error.actual}`;
    return `stream ${error.stream}: expected revision ${String(error.expected)}, but ${actual}`;
  }
  if (error instanceof AnnalsError) {
    if (error.code === Code.Unavailable && url) return `cannot reach the server at ${url}: ${error.message}`;
    const field = error.field ? ` (${error.field})` : "";
    return `${codeNames[error.code] ?? `error ${error.code}`}${field}: ${error.message}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
