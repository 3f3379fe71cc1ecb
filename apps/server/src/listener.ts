import http from "node:http";
import http2 from "node:http2";
import type net from "node:net";
import tls from "node:tls";
import type { BoundPort } from "./bound-port.js";
import { installStreamHandler, type StreamHandler } from "./fast-grpc/fast-grpc.js";
import { createResetBudget, defaultConnectionLimits, type ConnectionLimits } from "./transport/connection-limits.js";

type Handler = (request: http.IncomingMessage | http2.Http2ServerRequest, response: http.ServerResponse | http2.Http2ServerResponse) => void;

export interface DualListenerOptions {
  /** The port to serve on, bound already. */
  bound: BoundPort;
  /** Timeouts and caps per connection. Default: `defaultConnectionLimits`. */
  limits?: Partial<ConnectionLimits>;
  /** Sees each HTTP/2 stream before the request handler; the streams it declines go on to `handler`. */
  http2Streams?: StreamHandler;
  /**
   * Serve TLS with this certificate and key: ALPN then picks HTTP/2 (`h2`) or
   * HTTP/1.1 on the same port instead of the first bytes.
   */
  tls?: tls.TlsOptions;
  /** Told of connections refused or closed for cause (slow headers, idle, dead peer, too many resets). */
  onConnectionClosed?: (reason: ConnectionCloseReason) => void;
}

export type ConnectionCloseReason = "headers-timeout" | "idle" | "keepalive-timeout" | "too-many-connections" | "too-many-resets";

export interface DualListener {
  /** The TCP server accepting both protocols. */
  readonly tcp: net.Server;
  /** Replaces the TLS certificate and key for new connections (throws, keeping the current ones, on a bad pair). */
  setTls(options: tls.TlsOptions): void;
  /** Stops accepting; ends idle connections; after `graceMs`, destroys the rest. */
  close(graceMs: number): Promise<void>;
}

const preface = Buffer.from("PRI * HTTP/2.0");
const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_REFUSED_STREAM } = http2.constants;
/** How long a connection cut with GOAWAY stays open so that its client can read why, ms. */
const goawayGraceMs = 1_000;
/** A refused connection gets this long to show its protocol, so that the refusal can be spoken in it, ms. */
const refusalSniffMs = 2_000;
/** Connections being refused at once; beyond, they are closed at accept without a word. */
const refusalSlots = 256;

/**
 * One port for cleartext HTTP/2 (gRPC, gRPC-Web, Connect) and HTTP/1.1 (Connect,
 * gRPC-Web, curl, fetch): the first bytes of a connection tell which it speaks.
 * Every connection is bounded in time (headers, idleness, liveness) and number,
 * and an HTTP/2 connection in the streams it may open and reset.
 */
export function createDualListener(handler: Handler, options: DualListenerOptions): DualListener {
  const limits = { ...defaultConnectionLimits, ...options.limits };
  const closedFor = options.onConnectionClosed ?? (() => undefined);
  // Session memory above the largest accepted message, so an oversized one is refused
  // with RESOURCE_EXHAUSTED instead of the whole connection being reset.
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: limits.maxConcurrentStreams }, maxSessionMemory: 64 }, handler);
  installStreamHandler(h2, options.http2Streams ?? (() => false));
  const h1 = http.createServer(handler as http.RequestListener);
  // Node's own keep-alive timer counts inactivity; ours (below) counts from the end of the last answer.
  h1.keepAliveTimeout = limits.idleTimeoutMs;
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<net.Socket>();
  // HTTP/1.1 connections and their requests in progress. `h1` never listens itself, so
  // Node does not track its connections and `closeIdleConnections()` finds none: we do.
  const h1Requests = new Map<net.Socket, number>();
  // Until an HTTP/1.1 connection's next request has complete headers: a deadline.
  const h1HeaderTimers = new Map<net.Socket, NodeJS.Timeout>();
  // Connections whose protocol is not known yet.
  const sniffing = new Set<net.Socket>();
  let refusing = 0;
  let closing = false;

  const awaitHeaders = (socket: net.Socket, ms: number) => {
    clearTimeout(h1HeaderTimers.get(socket));
    const timer = setTimeout(() => {
      closedFor("headers-timeout");
      if (socket.writable) socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      setTimeout(() => socket.destroy(), 1_000).unref();
    }, ms);
    timer.unref();
    h1HeaderTimers.set(socket, timer);
  };

  h1.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    clearTimeout(h1HeaderTimers.get(socket));
    h1Requests.set(socket, (h1Requests.get(socket) ?? 0) + 1);
    if (closing) response.shouldKeepAlive = false;
    response.on("close", () => {
      const left = (h1Requests.get(socket) ?? 1) - 1;
      h1Requests.set(socket, left);
      if (closing && left === 0) socket.destroy();
      else if (left === 0 && !socket.destroyed) awaitHeaders(socket, limits.idleTimeoutMs);
    });
  });

  h2.on("session", (session) => {
    sessions.add(session);
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      idle = setTimeout(() => {
        closedFor("idle");
        session.close();
      }, limits.idleTimeoutMs);
      idle.unref();
    };
    armIdle();
    const resets = createResetBudget(limits.maxStreamResets);
    let cut = false;
    session.on("stream", (stream: http2.ServerHttp2Stream) => {
      open += 1;
      clearTimeout(idle);
      stream.once("close", () => {
        open -= 1;
        if (open === 0 && !session.closed) armIdle();
        // A stream the client reset (RST_STREAM with an error code: CANCEL, mostly).
        if (stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR && !resets.spend() && !cut) {
          cut = true;
          closedFor("too-many-resets");
          // nghttp2 ignores new streams from here, in C; the socket goes a moment later, so
          // that the client reads the GOAWAY rather than a TCP reset.
          session.goaway(NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from("too many stream resets"));
          setTimeout(() => session.destroy(), goawayGraceMs).unref();
        }
      });
    });
    let unanswered: NodeJS.Timeout | undefined;
    const ping = setInterval(() => {
      if (session.closed || session.destroyed || unanswered) return;
      unanswered = setTimeout(() => {
        closedFor("keepalive-timeout");
        session.destroy();
      }, limits.keepAliveTimeoutMs);
      unanswered.unref();
      try {
        session.ping(() => {
          clearTimeout(unanswered);
          unanswered = undefined;
        });
      } catch {
        // Too many PINGs in flight or the session is going: the timer decides.
      }
    }, limits.keepAliveIntervalMs);
    ping.unref();
    session.on("close", () => {
      clearInterval(ping);
      clearTimeout(unanswered);
      clearTimeout(idle);
      sessions.delete(session);
    });
    session.on("error", () => undefined);
  });

  // With TLS: a TLS server (never listening itself) does the handshakes; ALPN tells h2 from HTTP/1.1
  // (a client offering no ALPN speaks HTTP/1.1).
  const secure = options.tls ? new tls.Server({ ...options.tls, ALPNProtocols: ["h2", "http/1.1"], handshakeTimeout: limits.headersTimeoutMs }) : undefined;
  secure?.on("secureConnection", (socket: tls.TLSSocket) => {
    socket.on("error", () => undefined);
    dispatch(socket, socket.alpnProtocol === "h2");
  });
  secure?.on("tlsClientError", (_error, socket) => socket.destroy());
  const tcp = options.bound.tcp;
  options.bound.attach((socket) => {
    socket.on("error", () => undefined);
    if (sockets.size >= limits.maxConnections || closing) {
      refuse(socket);
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (secure) {
      // The handshake is bounded like the first bytes are (slowloris); a failed one closes the connection.
      secure.emit("connection", socket);
      return;
    }
    const sniffTimer = setTimeout(() => {
      closedFor("headers-timeout");
      socket.destroy();
    }, limits.headersTimeoutMs);
    sniffTimer.unref();
    sniffing.add(socket);
    socket.on("close", () => sniffing.delete(socket));
    sniff(socket, (isH2) => {
      clearTimeout(sniffTimer);
      sniffing.delete(socket);
      dispatch(socket, isH2);
    });
  });

  /** A connection whose protocol is known goes to its server. */
  function dispatch(socket: net.Socket, isH2: boolean) {
    if (isH2) {
      // http2 reads the bytes already buffered on the socket, then takes over its handle.
      h2.emit("connection", socket);
      return;
    }
    h1Requests.set(socket, 0);
    awaitHeaders(socket, limits.headersTimeoutMs);
    socket.on("close", () => {
      h1Requests.delete(socket);
      clearTimeout(h1HeaderTimers.get(socket));
      h1HeaderTimers.delete(socket);
    });
    // What Node calls after a `connection: close` answer.
    socket.destroySoon = () => lingeringClose(socket);
    h1.emit("connection", socket);
    socket.resume();
  }

  // A backstop below the process's file limit: past it, the kernel's accept is answered with a close.
  tcp.maxConnections = limits.maxConnections + refusalSlots;

  /** Over the cap: a refusal in the client's protocol, then the connection closes. */
  function refuse(socket: net.Socket) {
    closedFor("too-many-connections");
    if (refusing >= refusalSlots) {
      socket.destroy();
      return;
    }
    refusing += 1;
    socket.once("close", () => (refusing -= 1));
    const timer = setTimeout(() => socket.destroy(), refusalSniffMs);
    timer.unref();
    const reason = `too many connections: this server holds at most ${limits.maxConnections}; retry later or elsewhere`;
    sniff(socket, (isH2) => {
      if (isH2) {
        // The server's preface (an empty SETTINGS frame), then GOAWAY: no stream was processed, retrying is safe.
        const debug = Buffer.from(reason);
        const goaway = Buffer.alloc(9 + 8 + debug.length);
        goaway.writeUIntBE(8 + debug.length, 0, 3);
        goaway[3] = 0x7;
        goaway.writeUInt32BE(NGHTTP2_REFUSED_STREAM, 13);
        debug.copy(goaway, 17);
        socket.end(Buffer.concat([Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0]), goaway]));
      } else {
        socket.end(`HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nRetry-After: 1\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
      }
      lingeringClose(socket);
    });
  }

  return {
    tcp,
    setTls(tlsOptions) {
      if (!secure) throw new Error("this listener serves cleartext");
      secure.setSecureContext(tlsOptions);
    },
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const session of sessions) session.close();
      closing = true;
      for (const [socket, requests] of h1Requests) if (requests === 0) socket.destroy();
      // Connections whose protocol is not known yet have nothing in progress.
      for (const socket of sniffing) socket.destroy();
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}

/** Reads a connection's first bytes until they tell HTTP/2 (its preface) from anything else, then puts them back. */
function sniff(socket: net.Socket, decided: (isH2: boolean) => void): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const compared = Math.min(head.length, preface.length);
    const looksLikeH2 = head.subarray(0, compared).equals(preface.subarray(0, compared));
    if (looksLikeH2 && head.length < preface.length) return; // wait for more bytes
    socket.off("data", onData);
    socket.pause();
    socket.unshift(head);
    decided(looksLikeH2);
  };
  socket.on("data", onData);
}

/** How long a closing HTTP/1.1 connection goes on discarding what its client still sends. */
const lingerMs = 2_000;

/**
 * Closes an HTTP/1.1 connection after its last answer without losing that answer:
 * writes are shut (FIN), and what the client still sends is read and dropped for
 * a moment before the socket goes. Closing at once with unread bytes would send a
 * TCP reset, and the client's kernel could drop the answer before it is read.
 */
function lingeringClose(socket: net.Socket): void {
  socket.end();
  socket.on("data", () => undefined);
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}
