import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { requestIdHeader } from "../ops/request-id.js";
import type { FastCall } from "./fast-call.js";

/** The content type every fast answer carries (the fast path takes binary protobuf only). */
export const contentTypeProto = "application/grpc+proto";

/** Writes an answer; a stream the client reset meanwhile cannot take it, which is no fault of the server. */
export function answer(write: () => void): void {
  try {
    write();
  } catch {
    // ERR_HTTP2_INVALID_STREAM and the like: the call is over either way.
  }
}

/** One gRPC length-prefixed message: flags (no compression), length, bytes. */
export function frame(bytes: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + bytes.length);
  framed[0] = 0;
  framed.writeUInt32BE(bytes.length, 1);
  framed.set(bytes, 5);
  return framed;
}

/** Sends the response headers (status, content type, those the handlers set, request id) unless they are out. */
export function respond(stream: http2.ServerHttp2Stream, call: FastCall): void {
  if (stream.headersSent) return;
  const headers: http2.OutgoingHttpHeaders = { ":status": 200, "content-type": contentTypeProto };
  if (call.hasResponseHeader) nodeHeaders(call.responseHeader, headers);
  headers[requestIdHeader] = call.requestId;
  stream.respond(headers, { waitForTrailers: true });
}

/** Ends the response: `body` if any, then the call's trailers with grpc-status 0. */
export function endOk(stream: http2.ServerHttp2Stream, call: FastCall, body?: Buffer): void {
  const trailer = call.responseTrailer;
  trailer.set("grpc-status", "0");
  respond(stream, call);
  stream.once("wantTrailers", () => {
    stream.sendTrailers(nodeHeaders(trailer, {}));
    stopUnreadBody(stream);
  });
  stream.end(body);
}

/**
 * Ends the call with `error`: the headers (unless a streamed response already sent
 * them), then the status, message and details as trailers, the form the Connect
 * adapter answers errors in.
 */
export function endWithError(stream: http2.ServerHttp2Stream, call: FastCall, error: unknown): void {
  const connectError = error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  call.finish(connectError);
  if (stream.destroyed || stream.closed) return;
  const trailer = setTrailerStatus(call.responseTrailer, connectError);
  respond(stream, call);
  stream.once("wantTrailers", () => {
    stream.sendTrailers(nodeHeaders(trailer, {}));
    stopUnreadBody(stream);
  });
  stream.end();
}

/**
 * A request body not read to its end (a refused one, or one a client goes on sending) is
 * not read on: RST_STREAM NO_ERROR after the answer (RFC 9113 §8.1) stops the client
 * sending. A turn later, so that the reset cannot overtake the trailers.
 */
function stopUnreadBody(stream: http2.ServerHttp2Stream): void {
  if (!stream.readableEnded) setImmediate(() => stream.closed || stream.close(http2.constants.NGHTTP2_NO_ERROR));
}

export function nodeHeaders(from: Headers, into: http2.OutgoingHttpHeaders): http2.OutgoingHttpHeaders {
  from.forEach((value, key) => {
    into[key] = key === "set-cookie" ? from.getSetCookie() : value;
  });
  return into;
}

/** What Connect does with the headers and trailers of an interceptor's response: they replace the call's. */
export function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  for (const key of [...to.keys()]) to.delete(key);
  from.forEach((value, key) => to.set(key, value));
}
