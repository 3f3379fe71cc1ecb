import type http2 from "node:http2";
import { Code, ConnectError, type Interceptor, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { parseTimeout } from "@connectrpc/connect/protocol-grpc";
import { create, fromBinary, isMessage, toBinary, type DescMessage, type DescMethodUnary, type MessageShape } from "@bufbuild/protobuf";
import { appendRequestTypeName, decodeAppendRequest, type DecodeLimits } from "../append-request-codec.js";
import { toConnectError } from "../error-mapping.js";
import { LimitExceededError } from "@annals/store";
import { requestIdFor, requestIdHeader } from "../ops/request-id.js";
import { peerIdentity, peerIdentityKey, socketOf } from "../security/peer-identity.js";
import { maxRequestBodyBytes, requestBodyTooLarge } from "../transport/request-limits.js";
import { FastCall } from "./fast-call.js";
import { answer, contentTypeProto, copyHeaders, endOk, endWithError, frame } from "./grpc-answer.js";
import type { ServerStreamingMethods, UnaryMethod, UnaryMethods } from "./recorded-methods.js";
import { compressedEnvelope, isCompressed } from "./request-messages.js";
import { serveServerStreaming } from "./server-streaming.js";

export interface FastGrpcOptions {
  /** The unary methods served here; any other path goes to the Connect adapter. */
  methods: UnaryMethods;
  /** The server-streaming methods served here. Default: none. */
  serverStreaming?: ServerStreamingMethods;
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

/**
 * Unary and chosen server-streaming gRPC calls (binary protobuf, no compression)
 * answered straight on the HTTP/2 stream: the same implementation functions and
 * interceptors as the Connect adapter, the same status, message and details on the
 * wire, without the adapter's per-call async-iterable pipeline. Whatever it does not
 * take (other streaming methods, JSON, compression, gRPC-Web, Connect, other paths)
 * is left to the adapter.
 */
export function createFastGrpc(options: FastGrpcOptions): StreamHandler {
  const { methods, readMaxBytes, shutdownSignal } = options;
  const serverStreaming = options.serverStreaming ?? new Map();
  const maxBodyBytes = maxRequestBodyBytes(readMaxBytes);
  // Connect applies the interceptors so that the first one is the outermost.
  const interceptors = [...options.interceptors].reverse();
  return (stream, headers) => {
    if (headers[":method"] !== "POST") return false;
    const contentType = headers["content-type"];
    if (contentType !== "application/grpc" && contentType !== contentTypeProto) return false;
    const path = headers[":path"];
    if (path === undefined) return false;
    const unary = methods.get(path);
    const streaming = unary ? undefined : serverStreaming.get(path);
    if (!unary && !streaming) return false;
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const rawTimeout = headers["grpc-timeout"];
    let timeoutMs: number | undefined;
    if (rawTimeout !== undefined) {
      const timeout = parseTimeout(String(rawTimeout), Number.MAX_SAFE_INTEGER);
      if (timeout.error) return false;
      timeoutMs = timeout.timeoutMs;
    }
    const call = new FastCall((unary ?? streaming)!.method, headers, path, requestIdFor(headers[requestIdHeader]), timeoutMs, shutdownSignal);
    call.values.set(peerIdentityKey, peerIdentity(socketOf(stream)));
    stream.on("error", () => undefined);
    stream.on("close", () => call.closed(stream.rstCode));
    if (unary) serve(stream, unary, call);
    else serveServerStreaming(stream, call, streaming!, interceptors, readMaxBytes);
    return true;
  };

  function serve(stream: http2.ServerHttp2Stream, unary: UnaryMethod, call: FastCall) {
    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    const refuse = (error: ConnectError) => {
      refused = true;
      chunks.length = 0;
      answer(() => endWithError(stream, call, error));
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
        answer(() => endWithError(stream, call, ConnectError.from(error)));
        return;
      }
      invoke(unary, call, input).then(
        (output) => answer(() => succeed(stream, call, unary.method, output)),
        (error: unknown) => answer(() => endWithError(stream, call, error)),
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

function decode(method: DescMethodUnary, body: Buffer, appendLimits: DecodeLimits | undefined): MessageShape<DescMessage> {
  // The checks come in the order Connect's envelope reader makes them.
  if (body.length === 0) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  const length = body.length < 5 ? 0 : body.readUInt32BE(1);
  if (body.length < 5 || body.length < 5 + length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if (isCompressed(body[0]!)) throw compressedEnvelope();
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
    endWithError(stream, call, new ConnectError(`serialize binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal));
    return;
  }
  if (stream.destroyed || stream.closed) return call.finish();
  endOk(stream, call, frame(bytes));
  call.finish();
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
