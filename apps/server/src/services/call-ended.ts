import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The error a server stream ends with once its call's signal aborted (its deadline
 * passed, or the client cancelled): never a plain return, whose OK would tell the
 * client that the read or the log is complete when it was cut short.
 */
export function endedBySignal(signal: AbortSignal): ConnectError {
  return signal.reason instanceof ConnectError ? signal.reason : new ConnectError("the call was cancelled", Code.Canceled);
}
