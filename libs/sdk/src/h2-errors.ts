import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

const { constants } = http2;

/** Node error codes that mean the connection is gone: the call may be retried on a new one. */
const connectionLost = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_INVALID_SESSION",
]);

/** The `code` of `reason` and of each of its causes. */
function nodeCodes(reason: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let error = reason; error instanceof Error && !seen.has(error); error = error.cause) {
    seen.add(error);
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  return codes;
}

/** A write to a stream the server already ended: its answer, still to be read, tells more than this error. */
export function isWriteAfterEnd(reason: unknown): boolean {
  return nodeCodes(reason).includes("ERR_STREAM_WRITE_AFTER_END");
}

/** Any failure of the HTTP/2 stream or session as a ConnectError (a ConnectError stays as it is). */
export function fromNodeReason(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const codes = nodeCodes(reason);
  let code = Code.Internal;
  if (codes.includes("ERR_STREAM_WRITE_AFTER_END")) code = Code.Aborted;
  else if (codes.some((c) => connectionLost.has(c))) code = Code.Unavailable;
  else if (codes.includes("ERR_STREAM_DESTROYED") || codes.includes("ERR_HTTP2_INVALID_STREAM")) code = Code.Aborted;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}

/** The gRPC code of a stream the server reset (gRPC over HTTP/2, "Errors"); undefined for no error. */
export function fromResetCode(rstCode: number | undefined): ConnectError | undefined {
  let code: Code;
  switch (rstCode) {
    case undefined:
    case constants.NGHTTP2_NO_ERROR:
    case constants.NGHTTP2_STREAM_CLOSED:
      return undefined;
    case constants.NGHTTP2_REFUSED_STREAM:
      code = Code.Unavailable;
      break;
    case constants.NGHTTP2_CANCEL:
      code = Code.Canceled;
      break;
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      code = Code.ResourceExhausted;
      break;
    case constants.NGHTTP2_INADEQUATE_SECURITY:
    case constants.NGHTTP2_HTTP_1_1_REQUIRED:
      code = Code.PermissionDenied;
      break;
    default:
      code = Code.Internal;
  }
  return new ConnectError(`http/2 stream closed with error code 0x${rstCode.toString(16)}`, code);
}
