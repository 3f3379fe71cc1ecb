import net from "node:net";

/**
 * Just enough HTTP/2 to misbehave on purpose: frames written by hand on a plain
 * socket, so that an attack sends exactly the bytes it means to (Node's own client
 * would queue streams, merge resets or refuse to send them).
 */

export const frameType = { data: 0, headers: 1, rstStream: 3, settings: 4, ping: 6, goaway: 7, windowUpdate: 8 } as const;
export const flag = { endStream: 0x1, ack: 0x1, endHeaders: 0x4 } as const;
export const errorCode = { noError: 0, internalError: 2, refusedStream: 7, cancel: 8, enhanceYourCalm: 11 } as const;

const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an `prefixBits`-bit prefix. */
function hpackInteger(value: number, prefixBits: number, firstByte = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const bytes = [firstByte | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/**
 * A header block of literal fields "without indexing" (no Huffman, no dynamic
 * table), so that the same bytes are valid on every stream of a connection.
 */
export function headerBlock(headers: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    parts.push(Buffer.from([0x00]), hpackInteger(name.length, 7), Buffer.from(name), hpackInteger(Buffer.byteLength(value), 7), Buffer.from(value));
  }
  return Buffer.concat(parts);
}

/** The headers of a gRPC call (or any POST) to `path`. */
export function grpcHeaders(path: string, contentType = "application/grpc"): Array<[string, string]> {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "127.0.0.1"],
    ["content-type", contentType],
    ["te", "trailers"],
  ];
}

/** A gRPC message envelope: flags, 4-byte length, the message. */
export function envelope(message: Uint8Array, declaredLength = message.length): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(declaredLength, 1);
  out.set(message, 5);
  return out;
}

export interface RawH2Connection {
  readonly socket: net.Socket;
  /** The GOAWAY the server sent, if any. */
  goaway(): { errorCode: number; at: number } | undefined;
  /** Resolves when the socket closes, with the time it did. */
  readonly closed: Promise<number>;
  /** Streams the server reset, by code. */
  readonly resetsReceived: Map<number, number>;
  /** HEADERS frames received (answers and trailers). */
  headersReceived(): number;
  /** Writes, waiting for the socket to drain when its buffer is full. */
  write(bytes: Buffer): Promise<void>;
  /** Sends no PING acknowledgement from now on (a peer that went silent). */
  stopAnsweringPings(): void;
}

/**
 * Opens a connection, sends the preface and an empty SETTINGS, and keeps the
 * connection polite: it acknowledges the server's SETTINGS and PINGs (until told
 * not to) and, unless `openWindow` is false, opens its connection flow-control
 * window wide so that answers are not held up.
 */
export function connectRawH2(port: number, options: { openWindow?: boolean; initialWindowSize?: number } = {}): Promise<RawH2Connection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let goaway: { errorCode: number; at: number } | undefined;
    let answerPings = true;
    const resetsReceived = new Map<number, number>();
    let headersReceived = 0;
    const closed = new Promise<number>((done) => socket.once("close", () => done(performance.now())));
    let buffered: Buffer = Buffer.alloc(0);
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) break;
        const type = buffered[3]!;
        const flags = buffered[4]!;
        const payload = buffered.subarray(9, 9 + length);
        if (type === frameType.headers) headersReceived += 1;
        if (type === frameType.settings && (flags & flag.ack) === 0) socket.write(frame(frameType.settings, flag.ack, 0));
        else if (type === frameType.ping && (flags & flag.ack) === 0 && answerPings) socket.write(frame(frameType.ping, flag.ack, 0, Buffer.from(payload)));
        else if (type === frameType.goaway && payload.length >= 8) goaway ??= { errorCode: payload.readUInt32BE(4), at: performance.now() };
        else if (type === frameType.rstStream && payload.length >= 4) {
          const code = payload.readUInt32BE(0);
          resetsReceived.set(code, (resetsReceived.get(code) ?? 0) + 1);
        }
        buffered = buffered.subarray(9 + length);
      }
    });
    socket.once("connect", () => {
      const window = Buffer.alloc(4);
      window.writeUInt32BE(2 ** 30);
      const settings = Buffer.alloc(options.initialWindowSize === undefined ? 0 : 6);
      if (options.initialWindowSize !== undefined) {
        settings.writeUInt16BE(0x4, 0); // SETTINGS_INITIAL_WINDOW_SIZE
        settings.writeUInt32BE(options.initialWindowSize, 2);
      }
      const opening = [preface, frame(frameType.settings, 0, 0, settings)];
      if (options.openWindow ?? true) opening.push(frame(frameType.windowUpdate, 0, 0, window));
      socket.write(Buffer.concat(opening));
      resolve({
        socket,
        goaway: () => goaway,
        closed,
        resetsReceived,
        headersReceived: () => headersReceived,
        write(bytes) {
          if (socket.destroyed) return Promise.resolve();
          if (socket.write(bytes)) return Promise.resolve();
          return new Promise((drained) => {
            const done = () => {
              socket.off("drain", done);
              socket.off("close", done);
              drained();
            };
            socket.once("drain", done);
            socket.once("close", done);
          });
        },
        stopAnsweringPings() {
          answerPings = false;
        },
      });
    });
    socket.once("error", reject);
  });
}
