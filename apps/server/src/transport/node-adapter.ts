import type http from "node:http";
import http2 from "node:http2";
import { Code, ConnectError, createConnectRouter, createContextValues, type ConnectRouter, type ConnectRouterOptions } from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import { universalRequestFromNodeRequest, type connectNodeAdapter } from "@connectrpc/connect-node";
import { maxRequestBodyBytes, requestBodyTooLarge } from "./request-limits.js";
import { peerIdentity, peerIdentityKey, socketOf } from "../security/peer-identity.js";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
/** A handler for Node's `http` and `http2` servers (the signature `connectNodeAdapter` returns). */
export type NodeHandler = ReturnType<typeof connectNodeAdapter>;

export interface NodeAdapterOptions extends ConnectRouterOptions {
  /** Registers the services. */
  routes: (router: ConnectRouter) => void;
  /** Answers the paths that are not RPCs. */
  fallback: NodeHandler;
  /** Largest request message, bytes: a request body longer than one such message is refused. */
  readMaxBytes: number;
  /**
   * Checks of whole request bodies by RPC path, run before the library decodes them
   * (its decoding of a large message cannot be bounded otherwise); a check refuses a
   * body by throwing (a ConnectError, or whatever `mapError` turns into one).
   */
  bodyChecks?: ReadonlyMap<string, (body: Uint8Array, contentType: string) => void>;
  /** Turns what a body check threw into the answer. */
  mapError?: (error: unknown) => ConnectError;
}

/**
 * The Connect router on Node's HTTP/1.1 and HTTP/2 servers: what
 * `connectNodeAdapter` does, and three things it does not.
 * - A response whose stream or socket closes before it is complete ends its call.
 *   Node never calls back a write pending on a destroyed HTTP/2 stream and emits
 *   neither `drain` nor `error`, so the adapter's wait for `drain` never ended:
 *   a stalled client that vanished left its subscription or read open for good.
 * - A request body longer than one message of the limit is refused with
 *   RESOURCE_EXHAUSTED as soon as it passes the limit, whatever the protocol.
 * - A response that ends before its request body was read stops the client
 *   sending: HTTP/2 resets the stream with NO_ERROR after the response (RFC 9113
 *   §8.1), HTTP/1.1 closes the connection after it (lingering: see the listener).
 *   Otherwise a client still sending would block on flow control, and its
 *   connection's window with it.
 */
export function createNodeAdapter(options: NodeAdapterOptions): NodeHandler {
  const router = createConnectRouter(options);
  options.routes(router);
  const paths = new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
  return ((request: NodeRequest, response: NodeResponse) => {
    const handler = paths.get(request.url?.split("?", 2)[0] ?? "");
    if (!handler) {
      options.fallback(request as never, response as never);
      return;
    }
    // The verified client certificate, from the connection (never from a header).
    const values = createContextValues().set(peerIdentityKey, peerIdentity(socketOf(request as never)));
    const universal = universalRequestFromNodeRequest(request as never, response as never, undefined, values);
    // The body read so that stopping early leaves the request alone: destroying it, as a plain
    // `for await` does, would tear down an HTTP/1.1 socket before the answer is out.
    const body = request.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
    const check = options.bodyChecks?.get(handler.requestPath);
    const limited = limitBody(body, options.readMaxBytes);
    const checked = check ? checkBody(limited, String(request.headers["content-type"] ?? ""), check, options.mapError) : limited;
    void handler({ ...universal, body: checked })
      .then((answer) => writeResponse(answer, request, response))
      .catch(() => {
        // The client went away (the interceptors logged how the call ended), or a bug below the handlers.
        if (isClosed(response)) return;
        if (!response.headersSent) (response as http.ServerResponse).writeHead(500);
        response.end();
      })
      .finally(() => stopUnreadBody(request));
  }) as NodeHandler;
}

async function* limitBody(body: AsyncIterable<Uint8Array>, readMaxBytes: number): AsyncIterable<Uint8Array> {
  const maxBytes = maxRequestBodyBytes(readMaxBytes);
  let received = 0;
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > maxBytes) throw requestBodyTooLarge(readMaxBytes);
    yield chunk;
  }
}

/** The whole body (unary RPCs take one message, bounded by the limit above), checked, then passed on as one chunk. */
async function* checkBody(
  body: AsyncIterable<Uint8Array>,
  contentType: string,
  check: (body: Uint8Array, contentType: string) => void,
  mapError: ((error: unknown) => ConnectError) | undefined,
): AsyncIterable<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  try {
    check(whole, contentType);
  } catch (error) {
    throw error instanceof ConnectError || mapError === undefined ? error : mapError(error);
  }
  yield whole;
}

function isClosed(response: NodeResponse): boolean {
  if ("stream" in response) return response.stream.destroyed || response.stream.closed;
  return response.destroyed;
}

/** A client that left before its response was complete. */
const clientGone = () => new ConnectError("the client went away before the response was complete", Code.Canceled);

/** Writes one chunk; settles when it is flushed, or when the response closes or fails before that. */
function write(response: NodeResponse, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (isClosed(response) || response.writableEnded) return reject(clientGone());
    const settle = (error?: unknown) => {
      response.off("drain", onDrain);
      response.off("close", onClose);
      response.off("error", onError);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => settle();
    const onClose = () => settle(clientGone());
    const onError = (error: unknown) => settle(error);
    response.on("drain", onDrain);
    response.on("close", onClose);
    response.on("error", onError);
    const flushed = (response as http.ServerResponse).write(chunk, (error) => {
      if (error) settle(error);
    });
    if (flushed) settle();
  });
}

/** Sends a universal response: headers after the first chunk (so that handlers can set them), the body, the trailers. */
async function writeResponse(answer: UniversalServerResponse, request: NodeRequest, response: NodeResponse): Promise<void> {
  const iterator = answer.body?.[Symbol.asyncIterator]();
  const head = () => {
    if (response.headersSent) return;
    const headers: Record<string, string | string[]> = {};
    answer.header?.forEach((value, key) => {
      headers[key] = key === "set-cookie" ? answer.header!.getSetCookie() : value;
    });
    // HTTP/1.1 cannot reset one request: a body left unread means the connection closes after the answer.
    if (!("stream" in request) && !request.complete) headers["connection"] = "close";
    (response as http.ServerResponse).writeHead(answer.status, headers);
  };
  try {
    if (iterator) {
      for (let chunk = await iterator.next(); chunk.done !== true; chunk = await iterator.next()) {
        head();
        try {
          await write(response, chunk.value as Uint8Array);
        } catch (error) {
          // Tell the handler (it is suspended at its `yield`): its `finally` blocks run, its call ends.
          await iterator.throw?.(error).catch(() => undefined);
          throw error;
        }
      }
    }
    head();
    if (answer.trailer) {
      const trailers: Record<string, string> = {};
      answer.trailer.forEach((value, key) => (trailers[key] = value));
      (response as http.ServerResponse).addTrailers(trailers);
    }
    // Until the body is written out, not until the exchange is over: an HTTP/2 response
    // only "finishes" when its stream closes, and that waits for the request body.
    await new Promise<void>((resolve) => {
      response.once("close", resolve);
      response.end(() => resolve());
    });
  } finally {
    await iterator?.return?.().catch(() => undefined);
  }
}

/**
 * Once the response is over, a request body the handler did not read is not read
 * either. HTTP/2 resets the stream; an HTTP/1.1 response said `connection: close`
 * (see `writeResponse`), and the listener closes such a connection lingering.
 */
function stopUnreadBody(request: NodeRequest): void {
  if (request.complete || !("stream" in request)) return;
  // After the trailers (Node asks for them once the body is out), and a turn later, so
  // that the reset cannot overtake them.
  const stream = request.stream;
  const reset = () => setImmediate(() => stream.closed || stream.destroyed || stream.close(http2.constants.NGHTTP2_NO_ERROR));
  if (stream.sentTrailers !== undefined || stream.closed) reset();
  else stream.once("wantTrailers", reset);
}
