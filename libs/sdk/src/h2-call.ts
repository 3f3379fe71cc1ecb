import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { getAbortSignalReason } from "@connectrpc/connect/protocol";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { fromNodeReason, fromResetCode, isWriteAfterEnd } from "./h2-errors.js";

const { constants } = http2;

/** One gRPC length-prefixed message as it came off the wire. */
export interface Envelope {
  flags: number;
  data: Uint8Array;
}

/** The request body: one encoded envelope, or the envelopes of a stream of messages. */
export type RequestBody = Uint8Array | AsyncIterable<Uint8Array>;

function toNodeHeaders(header: Headers): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  header.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function appendNodeHeaders(target: Headers, source: http2.IncomingHttpHeaders): Headers {
  for (const key in source) {
    if (key.startsWith(":")) continue;
    const value = source[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const each of value) target.append(key, each);
    else target.append(key, String(value));
  }
  return target;
}

/** The reason of an aborted call signal as a ConnectError (CANCELED unless it says otherwise, e.g. a deadline). */
function abortError(signal: AbortSignal): ConnectError {
  return ConnectError.from(getAbortSignalReason(signal), Code.Canceled);
}

/** Resets the stream so that the server stops working on it: CANCEL for a cancel or a deadline (gRPC over HTTP/2). */
function reset(stream: http2.ClientHttp2Stream, error: ConnectError): void {
  if (stream.closed || stream.destroyed) return;
  const cancelled = error.code === Code.Canceled || error.code === Code.DeadlineExceeded;
  stream.close(cancelled ? constants.NGHTTP2_CANCEL : constants.NGHTTP2_INTERNAL_ERROR);
}

/**
 * One call on an HTTP/2 stream of the session manager: the response head, its
 * messages read only as the caller asks for them (what is not read stays in
 * the stream's receive window, so the server waits), then the trailers. The
 * call ends at the first failure: the stream's, the session's, or the signal's
 * (which also resets the stream, so the server's handler ends).
 */
export class Http2Call {
  /** The response's status and headers, once `response()` resolved. */
  status = 0;
  header = new Headers();
  readonly trailer = new Headers();

  private headed = false;
  private ended = false;
  private finished = false;
  private failure: ConnectError | undefined;
  private wake: (() => void) | undefined;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;

  private constructor(
    private readonly sessionManager: Http2SessionManager,
    private readonly stream: http2.ClientHttp2Stream,
    private readonly signal: AbortSignal,
    private readonly readMaxBytes: number,
  ) {
    stream.on("response", (headers) => {
      this.status = Number(headers[":status"] ?? 0);
      appendNodeHeaders(this.header, headers);
      this.headed = true;
      this.notify();
    });
    stream.on("trailers", (trailers) => appendNodeHeaders(this.trailer, trailers));
    stream.on("readable", this.notify);
    stream.on("end", () => {
      this.ended = true;
      this.notify();
    });
    stream.on("error", (error) => {
      // The server answered and closed its side while a request was still being written: its answer tells more.
      if (stream.writableEnded && isWriteAfterEnd(error)) return;
      this.fail(fromNodeReason(error));
    });
    const session = stream.session;
    stream.on("close", () => {
      if (this.ended) return;
      // A connection that went away closes its streams as cancelled: that is the network's failure, not a cancel.
      if (!session || session.destroyed || session.closed) {
        this.fail(new ConnectError(this.headed ? "the connection closed before the response ended" : "the connection closed before the server answered", Code.Unavailable));
      }
      else this.fail(fromResetCode(stream.rstCode) ?? new ConnectError("http/2 stream closed before the response ended", Code.Unavailable));
    });
    signal.addEventListener("abort", this.onAbort);
  }

  /**
   * Opens a stream for `path` and sends `body`. Rejects with the signal's reason
   * when it aborts first (a deadline while connecting, say).
   */
  static open(
    sessionManager: Http2SessionManager,
    path: string,
    header: Headers,
    body: RequestBody,
    signal: AbortSignal,
    readMaxBytes: number,
  ): Promise<Http2Call> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise<Http2Call>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
      sessionManager.request("POST", path, toNodeHeaders(header), {}).then(
        (stream) => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) {
            reset(stream, abortError(signal));
            return;
          }
          const call = new Http2Call(sessionManager, stream, signal, readMaxBytes);
          call.send(body);
          resolve(call);
        },
        (reason: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(fromNodeReason(reason));
        },
      );
    });
  }

  /** Waits for the response head (`status`, `header`). */
  async response(): Promise<void> {
    while (!this.headed) {
      if (this.failure) throw this.failure;
      await this.nextEvent();
    }
  }

  /** The next message of the response, or null at its end (the trailers are then in `trailer`). */
  async next(): Promise<Envelope | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const envelope = this.take();
      if (envelope) return envelope;
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        this.sessionManager.notifyResponseByteRead(this.stream);
        continue;
      }
      if (this.ended) {
        this.finish();
        if (this.buffered > 0) throw new ConnectError("protocol error: the response ended inside a message", Code.Internal);
        return null;
      }
      await this.nextEvent();
    }
  }

  /** Ends the call with `error` and resets its stream, e.g. when a response cannot be read. */
  abandon(error: ConnectError): ConnectError {
    this.fail(error);
    reset(this.stream, error);
    return error;
  }

  private send(body: RequestBody): void {
    if (body instanceof Uint8Array) {
      this.stream.end(body);
      return;
    }
    void this.sendAll(body);
  }

  private async sendAll(body: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const envelope of body) {
        if (this.failure || this.stream.writableEnded) return;
        // Write as the stream drains: a long request does not pile up in memory.
        if (!this.stream.write(envelope)) await new Promise((resolve) => this.stream.once("drain", resolve));
      }
      if (!this.stream.writableEnded) this.stream.end();
    } catch (error) {
      this.abandon(fromNodeReason(error));
    }
  }

  /** A whole message from the bytes read so far, if they hold one. */
  private take(): Envelope | undefined {
    if (this.buffered < 5) return undefined;
    let first = this.chunks[0] as Buffer;
    if (first.length < 5) first = this.join(5);
    const length = first.readUInt32BE(1);
    if (length > this.readMaxBytes) {
      throw this.abandon(new ConnectError(`message size ${length} is larger than configured readMaxBytes ${this.readMaxBytes}`, Code.ResourceExhausted));
    }
    const size = 5 + length;
    if (this.buffered < size) return undefined;
    if (first.length < size) first = this.join(size);
    const flags = first[0] as number;
    const data = first.subarray(5, size);
    if (first.length === size) this.chunks.shift();
    else this.chunks[0] = first.subarray(size);
    this.buffered -= size;
    return { flags, data };
  }

  /** Joins the first chunks until the first one holds at least `size` bytes (a message split across DATA frames). */
  private join(size: number): Buffer {
    let length = 0;
    let count = 0;
    while (length < size) length += (this.chunks[count++] as Buffer).length;
    const joined = Buffer.concat(this.chunks.splice(0, count), length);
    this.chunks.unshift(joined);
    return joined;
  }

  private nextEvent(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private readonly notify = (): void => {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  };

  private fail(error: ConnectError): void {
    if (this.finished || this.failure) return;
    this.failure = error;
    this.signal.removeEventListener("abort", this.onAbort);
    this.notify();
  }

  private finish(): void {
    this.finished = true;
    this.signal.removeEventListener("abort", this.onAbort);
  }

  private readonly onAbort = (): void => {
    const error = abortError(this.signal);
    this.fail(error);
    reset(this.stream, error);
  };
}
