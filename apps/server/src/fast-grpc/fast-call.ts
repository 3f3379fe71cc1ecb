import http2 from "node:http2";
import { Code, ConnectError, createContextValues, type ContextValues, type HandlerContext, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";
import type { DescMethodServerStreaming, DescMethodUnary } from "@bufbuild/protobuf";
import { onAbort } from "@annals/store";
import { requestIdHeader } from "../ops/request-id.js";

/**
 * The handler context of one fast call. The parts most calls never touch (the abort
 * signal, response headers and trailers) are only made when asked for.
 */
export class FastCall implements HandlerContext {
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
  #unwatchShutdown: (() => void) | undefined;

  constructor(
    readonly method: DescMethodUnary | DescMethodServerStreaming,
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
      // One listener on the server's signal for all calls: Node's EventTarget walks its
      // listeners on every add and remove, which made each call cost O(calls in flight).
      else this.#unwatchShutdown = onAbort(this.shutdownSignal, this.#onShutdown);
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
    this.#unwatchShutdown?.();
    this.#unwatchShutdown = undefined;
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
  mergedWith(request: UnaryRequest | StreamRequest): HandlerContext {
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
