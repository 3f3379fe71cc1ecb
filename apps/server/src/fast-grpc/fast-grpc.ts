import http2 from "node:http2";
import {
  Code,
  ConnectError,
  createContextValues,
  type ContextValues,
  type HandlerContext,
  type Interceptor,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { create, fromBinary, isMessage, toBinary, type DescMessage, type DescMethodUnary, type MessageShape } from "@bufbuild/protobuf";
import { appendRequestTypeName, decodeAppendRequest, type DecodeLimits } from "../append-request-codec.js";
import { toConnectError } from "../error-mapping.js";
import { LimitExceededError } from "@annals/store";
import { requestIdFor, requestIdHeader } from "../ops/request-id.js";
import { peerIdentity, peerIdentityKey, socketOf } from "../security/peer-identity.js";
import { maxRequestBodyBytes, requestBodyTooLarge } from "../transport/request-limits.js";
import type { UnaryMethod, UnaryMethods } from "./unary-methods.js";

export interface FastGrpcOptions {
  /** The unary methods served here; any other path goes to the Connect adapter. */
  methods: UnaryMethods;
  /** The same interceptors the Connect adapter runs, in the same order. */
  interceptors: readonly Interceptor[];
  /** Largest request message accepted, bytes (RESOURCE_EXHAUSTED above). */
  readMaxBytes: number;
  /** Aborts every call's `context.signal` when the server shuts down. */
  shutdownSignal?: AbortSignal;
  /** The store's limits on an append, enforced while an AppendRequest is decoded. Default: none (the store enforces them after). */
  appendLimits?: DecodeLimits;
}

/** Serves the stream and returns true, or returns false and leaves it untouched. */
export type StreamHandler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

const contentTypeProto = "application/grpc+proto";
const compressedFlag = 0b00000001;

/**
 * Unary gRPC calls (binary protobuf, no compression) answered straight on the HTTP/2
 * stream: the same implementation functions and interceptors as the Connect adapter,
 * the same status, message and details on the wire, without the adapter's per-call
 * async-iterable pipeline. Whatever it does not take (streaming methods, JSON,
 * compression, gRPC-Web, Connect, other paths) is left to the adapter.
 */
export function createFastGrpc(options: FastGrpcOptions): StreamHandler {
  const { methods, readMaxBytes, shutdownSignal } = options;
  const maxBodyBytes = maxRequestBodyBytes(readMaxBytes);
  // Connect applies the interceptors so that the first one is the outermost.
  const interceptors = [...options.interceptors].reverse();
  return (stream, headers) => {
    if (headers[":method"] !== "POST") return false;
    const contentType = headers["content-type"];
    if (contentType !== "application/grpc" && contentType !== contentTypeProto) return false;
    const path = headers[":path"];
    const unary = path === undefined ? undefined : methods.get(path);
    if (!unary) return false;
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const rawTimeout = headers["grpc-timeout"];
    let timeoutMs: number | undefined;
    if (rawTimeout !== undefined) {
      const timeout = parseTimeout(String(rawTimeout), Number.MAX_SAFE_INTEGER);
      if (timeout.error) return false;
      timeoutMs = timeout.timeoutMs;
    }
    serve(stream, headers, unary, path!, timeoutMs);
    return true;
  };

  function serve(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, unary: UnaryMethod, path: string, timeoutMs: number | undefined) {
    const requestId = requestIdFor(headers[requestIdHeader]);
    const call = new FastCall(unary.method, headers, path, requestId, timeoutMs, shutdownSignal);
    call.values.set(peerIdentityKey, peerIdentity(socketOf(stream)));
    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    stream.on("error", () => undefined);
    stream.on("close", () => call.closed(stream.rstCode));
    const refuse = (error: ConnectError) => {
      refused = true;
      chunks.length = 0;
      answer(() => fail(stream, call, error));
    };
    stream.on("data", (chunk: Buffer) => {
      if (refused) return;
      const before = received;
      received += chunk.length;
      // Nothing past one message of the limit is buffered: the body is refused there.
      if (received > maxBodyBytes) return refuse(requestBodyTooLarge(readMaxBytes));
      chunks.push(chunk);
      // The first envelope's length is known once 5 bytes are in: refuse early, with the adapter's words.
      if (before < 5 && received >= 5) {
        const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
        const length = head.readUInt32BE(1);
        if (length > readMaxBytes) refuse(requestBodyTooLarge(readMaxBytes));
      }
    });
    stream.on("end", () => {
      if (refused) return;
      let input: MessageShape<DescMessage>;
      try {
        input = decode(unary.method, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), options.appendLimits);
      } catch (error) {
        // Like Connect: a body that cannot be read fails before the interceptors run.
        answer(() => fail(stream, call, ConnectError.from(error)));
        return;
      }
      invoke(unary, call, input).then(
        (output) => answer(() => succeed(stream, call, unary.method, output)),
        (error: unknown) => answer(() => fail(stream, call, error)),
      );
    });
  }

  async function invoke(unary: UnaryMethod, call: FastCall, input: MessageShape<DescMessage>): Promise<MessageShape<DescMessage>> {
    const request: UnaryRequest = {
      stream: false,
      message: input,
      method: unary.method,
      service: unary.method.parent,
      requestMethod: "POST",
      url: call.url,
      get signal() {
        return call.signal;
      },
      header: call.requestHeader,
      contextValues: call.values,
    };
    const last = async (req: UnaryRequest): Promise<UnaryResponse> => {
      const context = req === request ? call : call.mergedWith(req);
      const output = await unary.impl(req.message, context);
      return {
        stream: false,
        message: isMessage(output, unary.method.output) ? output : create(unary.method.output, output),
        method: unary.method,
        service: unary.method.parent,
        header: call.responseHeader,
        trailer: call.responseTrailer,
      };
    };
    let next = last as (req: UnaryRequest) => Promise<UnaryResponse>;
    for (const interceptor of interceptors) next = interceptor(next as never) as never;
    const response = await next(request);
    copyHeaders(response.header, call.responseHeader);
    copyHeaders(response.trailer, call.responseTrailer);
    return response.message;
  }
}

/** Writes an answer; a stream the client reset meanwhile cannot take it, which is no fault of the server. */
function answer(write: () => void): void {
  try {
    write();
  } catch {
    // ERR_HTTP2_INVALID_STREAM and the like: the call is over either way.
  }
}

function decode(method: DescMethodUnary, body: Buffer, appendLimits: DecodeLimits | undefined): MessageShape<DescMessage> {
  // The checks come in the order Connect's envelope reader makes them.
  if (body.length === 0) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  const length = body.length < 5 ? 0 : body.readUInt32BE(1);
  if (body.length < 5 || body.length < 5 + length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  // An unreadable request is the client's fault: INVALID_ARGUMENT (Connect's reader, patched, answers the same).
  if ((body[0]! & compressedFlag) === compressedFlag) throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.InvalidArgument);
  let message: MessageShape<DescMessage>;
  try {
    const bytes = body.subarray(5, 5 + length);
    message = (method.input.typeName === appendRequestTypeName ? decodeAppendRequest(bytes, appendLimits) : undefined) ?? fromBinary(method.input, bytes);
  } catch (error) {
    // Over a limit: the code and detail every path answers (RESOURCE_EXHAUSTED, InvalidField).
    if (error instanceof LimitExceededError) throw toConnectError(error, () => undefined);
    throw new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.InvalidArgument);
  }
  if (body.length > 5 + length) {
    const rest = body.subarray(5 + length);
    if (rest.length < 5 || rest.length < 5 + rest.readUInt32BE(1)) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    throw new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented);
  }
  return message;
}

function succeed(stream: http2.ServerHttp2Stream, call: FastCall, method: DescMethodUnary, output: MessageShape<DescMessage>): void {
  let bytes: Uint8Array;
  try {
    bytes = toBinary(method.output, output);
  } catch (error) {
    fail(stream, call, new ConnectError(`serialize binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal));
    return;
  }
  if (stream.destroyed || stream.closed) return call.finish();
  const frame = Buffer.allocUnsafe(5 + bytes.length);
  frame[0] = 0;
  frame.writeUInt32BE(bytes.length, 1);
  frame.set(bytes, 5);
  const trailer = call.responseTrailer;
  trailer.set("grpc-status", "0");
  stream.respond(responseHeaders(call), { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(nodeHeaders(trailer, {})));
  stream.end(frame);
  call.finish();
}

/** Headers, then the status, message and details as trailers: the form the Connect adapter answers errors in. */
function fail(stream: http2.ServerHttp2Stream, call: FastCall, error: unknown): void {
  const connectError = error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  call.finish(connectError);
  if (stream.destroyed || stream.closed) return;
  const trailer = setTrailerStatus(call.responseTrailer, connectError);
  stream.respond(responseHeaders(call), { waitForTrailers: true });
  stream.once("wantTrailers", () => {
    stream.sendTrailers(nodeHeaders(trailer, {}));
    // A refused request body is not read on: RST_STREAM NO_ERROR after the answer (RFC 9113 §8.1)
    // stops the client sending. A turn later, so that the reset cannot overtake the trailers.
    if (!stream.readableEnded) setImmediate(() => stream.closed || stream.close(http2.constants.NGHTTP2_NO_ERROR));
  });
  stream.end();
}

function responseHeaders(call: FastCall): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = { ":status": 200, "content-type": contentTypeProto };
  if (call.hasResponseHeader) nodeHeaders(call.responseHeader, headers);
  headers[requestIdHeader] = call.requestId;
  return headers;
}

function nodeHeaders(from: Headers, into: http2.OutgoingHttpHeaders): http2.OutgoingHttpHeaders {
  from.forEach((value, key) => {
    into[key] = key === "set-cookie" ? from.getSetCookie() : value;
  });
  return into;
}

function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  for (const key of [...to.keys()]) to.delete(key);
  from.forEach((value, key) => to.set(key, value));
}

/**
 * The handler context of one fast call. The parts most calls never touch (the abort
 * signal, response headers and trailers) are only made when asked for.
 */
class FastCall implements HandlerContext {
  readonly service;
  readonly requestMethod = "POST";
  readonly protocolName = "grpc";
  readonly url: string;
  readonly requestHeader: Headers;
  readonly values: ContextValues = createContextValues();
  readonly timeoutMs: () => number | undefined;
  #controller: AbortController | undefined;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;
  #deadline: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #finished = false;
  #closeReason: unknown;
  #closed = false;

  constructor(
    readonly method: DescMethodUnary,
    headers: http2.IncomingHttpHeaders,
    path: string,
    readonly requestId: string,
    timeoutMs: number | undefined,
    private readonly shutdownSignal: AbortSignal | undefined,
  ) {
    this.service = method.parent;
    this.url = `http://${headers[":authority"] ?? headers.host ?? "localhost"}${path}`;
    const header = new Headers();
    for (const key in headers) {
      if (key.charCodeAt(0) === 58 /* ":" */) continue;
      const value = headers[key];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) header.append(key, item);
      else header.append(key, String(value));
    }
    header.set(requestIdHeader, requestId);
    this.requestHeader = header;
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    this.#deadline = deadline;
    this.timeoutMs = deadline === undefined ? () => undefined : () => deadline - Date.now();
  }

  get hasResponseHeader(): boolean {
    return this.#responseHeader !== undefined;
  }

  get responseHeader(): Headers {
    return (this.#responseHeader ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.#responseTrailer ??= new Headers());
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    if (this.#closed || this.#finished) {
      controller.abort(this.#closeReason);
      return controller.signal;
    }
    if (this.shutdownSignal) {
      if (this.shutdownSignal.aborted) controller.abort(this.shutdownSignal.reason);
      else this.shutdownSignal.addEventListener("abort", this.#onShutdown);
    }
    if (this.#deadline !== undefined && !controller.signal.aborted) {
      const abortOnDeadline = () => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      const left = this.#deadline - Date.now();
      if (left <= 0) abortOnDeadline();
      else this.#timer = setTimeout(abortOnDeadline, left);
    }
    return controller.signal;
  }

  #onShutdown = () => this.#abort(this.shutdownSignal?.reason);

  #abort(reason?: unknown): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.shutdownSignal?.removeEventListener("abort", this.#onShutdown);
    this.#controller?.abort(reason);
  }

  /** The HTTP/2 stream closed: a reset by the client cancels the call. */
  closed(rstCode: number): void {
    if (this.#closed) return;
    this.#closed = true;
    if (rstCode === http2.constants.NGHTTP2_CANCEL) {
      this.#closeReason = new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled);
    }
    this.#abort(this.#closeReason);
  }

  /** The call has its answer: like Connect, its signal then aborts. */
  finish(error?: ConnectError): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#closeReason ??= error;
    this.#abort(this.#closeReason);
  }

  /** The context for a request an interceptor replaced. */
  mergedWith(request: UnaryRequest): HandlerContext {
    return {
      method: this.method,
      service: request.service,
      requestMethod: this.requestMethod,
      protocolName: this.protocolName,
      url: this.url,
      timeoutMs: this.timeoutMs,
      responseHeader: this.responseHeader,
      responseTrailer: this.responseTrailer,
      signal: request.signal,
      requestHeader: request.header,
      values: request.contextValues,
    };
  }
}

/**
 * Puts `handle` in front of the HTTP/2 server's compatibility layer: Node installs that
 * layer as a `stream` listener when the server gets a `request` handler. Streams that
 * `handle` declines reach the compatibility layer, and so the Connect adapter, unchanged.
 */
export function installStreamHandler(server: http2.Http2Server, handle: StreamHandler): void {
  const compat = server.listeners("stream") as Array<(...args: unknown[]) => void>;
  if (compat.length !== 1) throw new Error(`expected the HTTP/2 compatibility layer as the only stream listener, found ${compat.length}`);
  const fallback = compat[0]!;
  server.removeListener("stream", fallback);
  server.on("stream", function (this: http2.Http2Server, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) {
    // A turn later, once the rest of what the connection sent is read: a stream reset in the
    // same read (a rapid reset sends thousands so) is then seen closed, and costs no work.
    // Meanwhile its errors (a refused or reset stream) are expected, not a crash.
    stream.on("error", () => undefined);
    // A body that ends with an empty DATA frame (END_STREAM, no bytes) in the same read is
    // ended by Node meanwhile: it emits 'end' before any reader listens. Whoever reads the
    // body is told after dispatch, or it would wait for that end for ever.
    let endedMeanwhile = false;
    const onEnd = () => (endedMeanwhile = true);
    stream.once("end", onEnd);
    setImmediate(() => {
      stream.off("end", onEnd);
      if (stream.closed || stream.destroyed) return;
      const before = new Set(stream.rawListeners("end"));
      if (!handle(stream, headers)) fallback.call(this, stream, headers, ...rest);
      if (!endedMeanwhile) return;
      for (const listener of stream.rawListeners("end")) if (!before.has(listener)) (listener as () => void).call(stream);
    });
  });
}
