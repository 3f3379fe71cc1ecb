import type http2 from "node:http2";
import { Http2SessionManager, type Http2SessionOptions } from "@connectrpc/connect-node";

/** How much a response may run ahead of its reader. */
export interface ReceiveWindow {
  /** Bytes one stream (call) may receive before the client reads them. */
  streamBytes: number;
  /** Bytes all the streams of the connection may receive together. */
  connectionBytes: number;
}

/**
 * The HTTP/2 session of a client, with wider receive windows than Node's
 * default of 64 KiB per stream and per connection. With 64 KiB in flight a
 * replay alternates between the server writing and the client reading, each
 * waiting for the other; with about 1 MiB the two overlap (replays ran about
 * 30 % faster here, `tools/bench/src/workloads/replay.ts`). Flow control still
 * holds: the server writes no more than the window ahead of the reader.
 */
export class WindowedSessionManager extends Http2SessionManager {
  private readonly widened = new WeakSet<http2.Http2Session>();

  constructor(
    url: string,
    pingOptions: Http2SessionOptions,
    private readonly window: ReceiveWindow,
    sessionOptions: http2.ClientSessionOptions = {},
  ) {
    super(url, pingOptions, { ...sessionOptions, settings: { ...sessionOptions.settings, initialWindowSize: window.streamBytes } });
  }

  override async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    const stream = await super.request(method, path, headers, options);
    // The connection's window is no setting: it grows with an update, once per session.
    const session = stream.session;
    if (session && !this.widened.has(session)) {
      this.widened.add(session);
      // The manager and each call see the session's failure; a second 'error' the
      // session emits as it closes, after the manager let go of it (a server that
      // does not speak HTTP/2, then `close()`), must not crash the process.
      session.on("error", () => undefined);
      session.setLocalWindowSize(this.window.connectionBytes);
    }
    return stream;
  }
}
