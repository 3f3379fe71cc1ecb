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

const codeNames: Record<Code, string> = {
  [Code.Canceled]: "canceled",
  [Code.Unknown]: "unknown error",
  [Code.InvalidArgument]: "invalid argument",
  [Code.DeadlineExceeded]: "deadline exceeded",
  [Code.NotFound]: "not found",
  [Code.AlreadyExists]: "already exists",
  [Code.PermissionDenied]: "permission denied",
  [Code.ResourceExhausted]: "resource exhausted",
  [Code.FailedPrecondition]: "failed precondition",
  [Code.Aborted]: "aborted",
  [Code.OutOfRange]: "out of range",
  [Code.Unimplemented]: "unimplemented",
  [Code.Internal]: "internal error",
  [Code.Unavailable]: "unavailable",
  [Code.DataLoss]: "data loss",
  [Code.Unauthenticated]: "unauthenticated",
};

/** What a failed call says about the way to the server, in words a user can act on. */
export interface ConnectionProblem {
  message: string;
  /**
   * Trying again cannot help: the address is wrong (scheme, TLS, not an Annals
   * server), as opposed to a server that is down or restarting.
   */
  lasting: boolean;
}

/** The system error codes (`ECONNREFUSED`, `ERR_SSL_...`) and messages along an error's causes. */
function causes(error: unknown): Array<{ code?: string; message: string }> {
  const found: Array<{ code?: string; message: string }> = [];
  for (let cause: unknown = error; cause instanceof Error && found.length < 8; cause = cause.cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    found.push({ code: typeof code === "string" ? code : undefined, message: cause.message });
  }
  return found;
}

const unreachable: Record<string, string> = {
  ECONNREFUSED: "nothing listens there",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name cannot be resolved now",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "the network is unreachable",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
};

const untrustedCertificate = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The same address with the other scheme. */
function otherScheme(url: string): string {
  return url.startsWith("https://") ? `http://${url.slice("https://".length)}` : `https://${url.slice("http://".length)}`;
}

/**
 * The one place that turns transport failures into plain words: the server is
 * not there, speaks another protocol, or is not an Annals server. `undefined`
 * for anything else (a refused request, a conflict).
 */
export function connectionProblem(error: unknown, url: string): ConnectionProblem | undefined {
  if (!(error instanceof AnnalsError) || error instanceof WrongExpectedRevisionError) return undefined;
  const chain = causes(error);
  const code = chain.find((cause) => cause.code !== undefined)?.code;
  const tls = url.startsWith("https://");
  if (code !== undefined && unreachable[code]) return { message: `cannot reach the server at ${url}: ${unreachable[code]} (${code})`, lasting: false };
  if (tls && (code?.startsWith("ERR_SSL_") || chain.some((cause) => /wrong version number|packet length too long|http request/i.test(cause.message)))) {
    return { message: `the server at ${url} does not speak TLS: use ${otherScheme(url)}`, lasting: true };
  }
  if (code !== undefined && untrustedCertificate.has(code)) {
    return {
      message: `the server at ${url} presented a TLS certificate this machine does not trust (${chain.at(-1)!.message}): give its CA in NODE_EXTRA_CA_CERTS`,
      lasting: true,
    };
  }
  if (code === "ERR_HTTP2_ERROR" || code === "ERR_HTTP2_SESSION_ERROR") {
    return { message: `the server at ${url} does not speak HTTP/2 (gRPC): is this the address of an Annals server?`, lasting: true };
  }
  if (error.code === Code.Unimplemented) {
    const why = /^HTTP \d+$/.test(error.message) ? error.message : `${codeNames[error.code]}: ${error.message}`;
    return { message: `the server at ${url} does not serve the Annals API (${why}): is this the address of an Annals server?`, lasting: true };
  }
  // A TLS server hangs up on the cleartext HTTP/2 preface: the SDK's gRPC transport says the connection
  // closed before the server answered; Connect's transports (the other protocols) see a cancelled stream.
  const hungUp = (error.code === Code.Canceled && /error code CANCEL/.test(error.message)) || (error.code === Code.Unavailable && /closed before the server answered/.test(error.message));
  if (!tls && hungUp) {
    return { message: `the server at ${url} closed the connection at once: if it speaks TLS, use ${otherScheme(url)}`, lasting: true };
  }
  if (error.code === Code.Unavailable) return { message: `cannot reach the server at ${url}: ${error.message}`, lasting: false };
  return undefined;
}

/**
 * Codes a call may fail with while the server restarts or the connection drops
 * (a reset stream surfaces as INTERNAL or CANCELED): worth another attempt.
 */
const transientCodes = new Set([Code.Unavailable, Code.Internal, Code.Unknown, Code.Aborted, Code.DeadlineExceeded, Code.Canceled]);

/** Whether the same call may succeed later: the server is away or restarting, not refusing the call or at a wrong address. */
export function isTransient(error: unknown, url: string): boolean {
  const problem = connectionProblem(error, url);
  if (problem) return !problem.lasting;
  return error instanceof AnnalsError && !(error instanceof WrongExpectedRevisionError) && transientCodes.has(error.code);
}

/** One line that says what went wrong, without a stack. */
export function describeError(error: unknown, url: string | undefined): string {
  if (error instanceof WrongExpectedRevisionError) {
    const actual = error.actual === undefined ? "it does not exist" : `its last revision is ${error.actual}`;
    return `stream ${error.stream}: expected revision ${String(error.expected)}, but ${actual}`;
  }
  if (error instanceof AnnalsError) {
    const problem = url ? connectionProblem(error, url) : undefined;
    if (problem) return problem.message;
    const field = error.field ? ` (${error.field})` : "";
    return `${codeNames[error.code] ?? `error ${error.code}`}${field}: ${error.message}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
