import net from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { SubscribeRequestSchema } from "@annals/protocol";
import { connectRawH2, envelope, flag, frame, frameType, grpcHeaders, headerBlock } from "../h2-frames.js";

/**
 * Connections that hold a socket without doing anything useful:
 * - `sniff`: the first bytes of an HTTP/2 preface, one byte per interval (the
 *   protocol stays unknown);
 * - `h1-headers`: an HTTP/1.1 request line, then one header byte per interval;
 * - `h2-headers`: an HTTP/2 preface, then a HEADERS frame one byte per interval;
 * - `tcp`: connected, silent;
 * - `h1-idle`: one HTTP/1.1 request answered, then silent (keep-alive);
 * - `h2-idle`: an HTTP/2 preface and SETTINGS, then silent (PINGs answered);
 * - `h2-deaf`: an HTTP/2 connection with a subscription open that stops answering
 *   PINGs, as a peer that vanished without closing.
 */
export type SlowMode = "sniff" | "h1-headers" | "h2-headers" | "tcp" | "h1-idle" | "h2-idle" | "h2-deaf";

export interface SlowConnectionsOptions {
  port: number;
  mode: SlowMode;
  connections: number;
  /** For the byte-at-a-time modes. Default 1,000. */
  byteIntervalMs?: number;
  /** How long to hold the connections once all are open, ms. */
  durationMs: number;
}

export interface SlowConnectionsResult {
  /** Connections opened. */
  opened: number;
  /** Per connection, when the server closed it (ms after it was opened), or null if still open at the end. */
  closedAfterMs: Array<number | null>;
  /** What the server sent before closing, by connection (first 200 bytes, HTTP/1.1 only). */
  answers: string[];
}

const h1Request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";

export async function slowConnections(options: SlowConnectionsOptions): Promise<SlowConnectionsResult> {
  const interval = options.byteIntervalMs ?? 1_000;
  const closedAfterMs: Array<number | null> = new Array<number | null>(options.connections).fill(null);
  const answers: string[] = new Array<string>(options.connections).fill("");
  const timers: NodeJS.Timeout[] = [];
  const sockets: net.Socket[] = [];

  const open = async (index: number) => {
    const opened = performance.now();
    const markClosed = () => (closedAfterMs[index] ??= Math.round(performance.now() - opened));
    if (options.mode === "h2-idle" || options.mode === "h2-headers" || options.mode === "h2-deaf") {
      const connection = await connectRawH2(options.port);
      sockets.push(connection.socket);
      void connection.closed.then(markClosed);
      if (options.mode === "h2-deaf") {
        const request = toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { target: { case: "all", value: {} }, from: { case: "end", value: {} } }));
        await connection.write(Buffer.concat([frame(frameType.headers, flag.endHeaders, 1, headerBlock(grpcHeaders("/annals.eventstore.v1.EventStore/Subscribe"))), frame(frameType.data, flag.endStream, 1, envelope(request))]));
        connection.stopAnsweringPings();
      }
      if (options.mode === "h2-headers") {
        const headers = frame(frameType.headers, flag.endHeaders, 1, headerBlock(grpcHeaders("/annals.eventstore.v1.EventStore/GetStream")));
        let sent = 0;
        const timer = setInterval(() => {
          if (sent < headers.length - 1) connection.socket.write(headers.subarray(sent, ++sent));
        }, interval);
        timers.push(timer);
      }
      return;
    }
    const socket = net.connect(options.port, "127.0.0.1");
    sockets.push(socket);
    socket.on("error", () => undefined);
    socket.on("close", markClosed);
    socket.on("data", (chunk: Buffer) => {
      if (answers[index]!.length < 200) answers[index] += chunk.toString("latin1").slice(0, 200 - answers[index]!.length);
    });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    if (options.mode === "tcp") return;
    if (options.mode === "h1-idle") {
      socket.write(`${h1Request}\r\n`);
      return;
    }
    const text = options.mode === "sniff" ? Buffer.from("PRI * HTTP/2.0") : Buffer.from("X-Slow: a-very-long-header-that-never-ends-");
    if (options.mode === "h1-headers") socket.write(h1Request);
    let sent = 0;
    const timer = setInterval(() => {
      // A sniffed preface never completes; a header never ends.
      if (socket.destroyed || (options.mode === "sniff" && sent === text.length - 1)) return;
      socket.write(text.subarray(sent % text.length, (sent % text.length) + 1));
      sent += 1;
    }, interval);
    timers.push(timer);
  };

  // Open in small groups, so that the accept queue is not what is measured.
  for (let index = 0; index < options.connections; index += 50) {
    await Promise.all(Array.from({ length: Math.min(50, options.connections - index) }, (_, offset) => open(index + offset)));
  }
  // From the last connection opened: each gets the whole duration to be closed.
  await new Promise((resolve) => setTimeout(resolve, options.durationMs));
  for (const timer of timers) clearInterval(timer);
  for (const socket of sockets) socket.destroy();
  return { opened: options.connections, closedAfterMs, answers };
}
