import type http2 from "node:http2";
import { Code, ConnectError, type Interceptor, type StreamRequest, type StreamResponse } from "@connectrpc/connect";
import { create, isMessage, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { FastCall } from "./fast-call.js";
import { answer, copyHeaders, endOk, endWithError, frame, respond } from "./grpc-answer.js";
import type { ServerStreamingMethod } from "./recorded-methods.js";
import { requestMessages, singleMessage } from "./request-messages.js";

/** A client that left before its response was complete (the adapter's words). */
const clientGone = () => new ConnectError("the client went away before the response was complete", Code.Canceled);

/**
 * Serves a server-streaming call on its HTTP/2 stream: the interceptors see a
 * StreamRequest whose message is read from the body as it arrives, and return a
 * StreamResponse whose messages are written one at a time, each after the last
 * was taken by flow control, so a slow reader holds one message, never the read.
 * Headers go with the first message (handlers may set them until then), the
 * status as trailers.
 */
export function serveServerStreaming(
  stream: http2.ServerHttp2Stream,
  call: FastCall,
  streaming: ServerStreamingMethod,
  interceptors: readonly Interceptor[],
  readMaxBytes: number,
): void {
  const { method } = streaming;
  const request: StreamRequest = {
    stream: true,
    message: requestMessages(stream, method.input, readMaxBytes),
    method,
    service: method.parent,
    requestMethod: "POST",
    url: call.url,
    get signal() {
      return call.signal;
    },
    header: call.requestHeader,
    contextValues: call.values,
  };
  const last = async (req: StreamRequest): Promise<StreamResponse> => {
    const context = req === request ? call : call.mergedWith(req);
    const input = await singleMessage(req.message);
    return {
      stream: true,
      message: streaming.impl(input as never, context) as AsyncIterable<MessageShape<DescMessage>>,
      method,
      service: method.parent,
      header: call.responseHeader,
      trailer: call.responseTrailer,
    };
  };
  let next = last as (req: StreamRequest) => Promise<StreamResponse>;
  for (const interceptor of interceptors) next = interceptor(next as never) as never;
  void next(request)
    .then((response) => {
      copyHeaders(response.header, call.responseHeader);
      return writeMessages(stream, call, method.output, response);
    })
    .then(
      () => answer(() => (stream.destroyed || stream.closed ? call.finish() : endOk(stream, call))),
      (error: unknown) => answer(() => endWithError(stream, call, error)),
    );
}

/**
 * Frames by the message they encode. A live Subscribe yields one message object to
 * every subscriber of a commit (see `services/subscribe.ts`): it is encoded once and
 * its bytes written to each stream. Messages are not changed once yielded.
 */
const frames = new WeakMap<object, Buffer>();

/** Writes the response messages under flow control; rejects with what ended them early. */
async function writeMessages(stream: http2.ServerHttp2Stream, call: FastCall, output: DescMessage, response: StreamResponse): Promise<void> {
  const iterator = response.message[Symbol.asyncIterator]();
  try {
    for (let item = await iterator.next(); item.done !== true; item = await iterator.next()) {
      // What the handler yields may be a plain object: Connect makes a message of it.
      const message = isMessage(item.value, output) ? item.value : create(output, item.value as never);
      let framed = frames.get(message);
      if (framed === undefined) {
        try {
          framed = frame(toBinary(output, message));
        } catch (error) {
          throw new ConnectError(`serialize binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal);
        }
        frames.set(message, framed);
      }
      try {
        respond(stream, call);
        await write(stream, framed);
      } catch (error) {
        // Tell the handler (it is suspended at its `yield`): its `finally` blocks run, its call ends.
        await iterator.throw?.(error).catch(() => undefined);
        throw error;
      }
    }
    copyHeaders(response.trailer, call.responseTrailer);
  } finally {
    await iterator.return?.().catch(() => undefined);
  }
}

/** Writes one frame; settles once flow control took it, or when the stream closes or fails before that. */
function write(stream: http2.ServerHttp2Stream, chunk: Buffer): Promise<void> {
  if (stream.destroyed || stream.closed) return Promise.reject(clientGone());
  // Most writes are taken at once: no listeners, no promise to wait for.
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown) => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      stream.off("error", onError);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => settle();
    const onClose = () => settle(clientGone());
    const onError = (error: unknown) => settle(error);
    stream.on("drain", onDrain);
    stream.on("close", onClose);
    stream.on("error", onError);
  });
}
