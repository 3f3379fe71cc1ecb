import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The error a server stream ends with once its call's signal aborted: its deadline
 * passed (DEADLINE_EXCEEDED), or the client cancelled or went away (CANCELLED,
 * whatever the transport gave as the reason: a reset stream is no server fault).
 * Never a plain return, whose OK would tell the client that the read or the log is
 * complete when it was cut short.
 */
export function endedBySignal(signal: AbortSignal): ConnectError {
  const reason: unknown = signal.reason;
  if (reason instanceof ConnectError && (reason.code === Code.DeadlineExceeded || reason.code === Code.Canceled)) return reason;
  return new ConnectError("the call was cancelled", Code.Canceled);
}
