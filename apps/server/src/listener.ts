import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { installStreamHandler, type StreamHandler } from "./fast-grpc/fast-grpc.js";

type Handler = (request: http.IncomingMessage | http2.Http2ServerRequest, response: http.ServerResponse | http2.Http2ServerResponse) => void;

export interface DualListenerOptions {
  /** Interval of HTTP/2 keepalive pings on idle connections, ms. Default 30,000. */
  keepAliveMs?: number;
  /** Sees each HTTP/2 stream before the request handler; the streams it declines go on to `handler`. */
  http2Streams?: StreamHandler;
}

export interface DualListener {
  /** The TCP server accepting both protocols. */
  readonly tcp: net.Server;
  /** Stops accepting; ends idle connections; after `graceMs`, destroys the rest. */
  close(graceMs: number): Promise<void>;
}

const preface = Buffer.from("PRI * HTTP/2.0");

/**
 * One port for cleartext HTTP/2 (gRPC, gRPC-Web, Connect) and HTTP/1.1 (Connect,
 * gRPC-Web, curl, fetch): the first bytes of a connection tell which it speaks.
 */
export function createDualListener(handler: Handler, options: DualListenerOptions = {}): DualListener {
  const keepAliveMs = options.keepAliveMs ?? 30_000;
  // Session memory above the largest accepted message, so an oversized one is refused
  // with RESOURCE_EXHAUSTED instead of the whole connection being reset.
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 1_000 }, maxSessionMemory: 64 }, handler);
  if (options.http2Streams) installStreamHandler(h2, options.http2Streams);
  const h1 = http.createServer(handler as http.RequestListener);
  h1.keepAliveTimeout = 5_000;
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<net.Socket>();
  // HTTP/1.1 connections and their requests in progress. `h1` never listens itself, so
  // Node does not track its connections and `closeIdleConnections()` finds none: we do.
  const h1Requests = new Map<net.Socket, number>();
  let closing = false;
  h1.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    h1Requests.set(socket, (h1Requests.get(socket) ?? 0) + 1);
    if (closing) response.shouldKeepAlive = false;
    response.on("close", () => {
      const left = (h1Requests.get(socket) ?? 1) - 1;
      h1Requests.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
  });

  h2.on("session", (session) => {
    sessions.add(session);
    const ping = setInterval(() => {
      if (!session.closed && !session.destroyed) session.ping(() => undefined);
    }, keepAliveMs);
    ping.unref();
    session.on("close", () => {
      clearInterval(ping);
      sessions.delete(session);
    });
    session.on("error", () => undefined);
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const compared = Math.min(head.length, preface.length);
      const looksLikeH2 = head.subarray(0, compared).equals(preface.subarray(0, compared));
      if (looksLikeH2 && head.length < preface.length) return; // wait for more bytes
      socket.off("data", onData);
      socket.pause();
      socket.unshift(head);
      if (looksLikeH2) {
        // http2 reads the bytes already buffered on the socket, then takes over its handle.
        h2.emit("connection", socket);
      } else {
        h1Requests.set(socket, 0);
        socket.on("close", () => h1Requests.delete(socket));
        // What Node calls after a `connection: close` answer.
        socket.destroySoon = () => lingeringClose(socket);
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });

  return {
    tcp,
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const session of sessions) session.close();
      closing = true;
      for (const [socket, requests] of h1Requests) if (requests === 0) socket.destroy();
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
