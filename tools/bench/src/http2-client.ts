import net from "node:net";
import HPACK from "hpack";

/**
 * A minimal HTTP/2 client (RFC 9113) over one TCP connection, for the load
 * generator: a request is one precomputed header block and a body, its answer the
 * final header block (the trailers) or the reason the stream ended without one.
 * Header blocks are decoded with `hpack` (RFC 7541); everything else is the frame
 * layer: settings, pings, both directions of flow control, GOAWAY and RST_STREAM.
 * Per call it does a few buffer writes and one decode, where `node:http2`'s client
 * builds a stream object with its events: the generator stays far cheaper than the
 * server it drives.
 */

const frameType = { data: 0, headers: 1, rstStream: 3, settings: 4, pushPromise: 5, ping: 6, goaway: 7, windowUpdate: 8, continuation: 9 } as const;
const flag = { endStream: 0x1, ack: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;
const setting = { enablePush: 2, initialWindowSize: 4, maxFrameSize: 5 } as const;
const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const maxWindow = 2 ** 31 - 1;
const defaultWindow = 65_535;
/** Received DATA bytes acknowledged to the server with one connection WINDOW_UPDATE. */
const windowUpdateEvery = 16 * 1024 * 1024;

export type Header = [name: string, value: string];

/** How a request ended: with its final header block, or without (`error` says why). */
export type Outcome = { trailers: Header[] } | { error: string };

interface Stream {
  readonly done: (outcome: Outcome) => void;
  /** The part of the body not yet sent (flow control). */
  body: Buffer;
  sendWindow: number;
  /** The response's HTTP status, from its first header block. */
  status?: string;
  /** The header block being received, with its END_STREAM flag, until END_HEADERS. */
  block?: { parts: Buffer[]; endStream: boolean };
}

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.allocUnsafe(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return payload.length === 0 ? head : Buffer.concat([head, payload]);
}

function settingsPayload(entries: Array<[number, number]>): Buffer {
  const payload = Buffer.allocUnsafe(6 * entries.length);
  entries.forEach(([id, value], index) => {
    payload.writeUInt16BE(id, 6 * index);
    payload.writeUInt32BE(value, 6 * index + 2);
  });
  return payload;
}

function windowUpdate(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment, 0);
  return frame(frameType.windowUpdate, 0, streamId, payload);
}

/**
 * A header block that any decoder reads the same whatever it read before: it starts
 * by setting the decoder's dynamic table to size 0, so none of its fields stays in
 * the table (RFC 7541 §4.2, §6.3). Sent as is on every request.
 */
export function requestHeaderBlock(headers: Header[]): Buffer {
  const encoder = new HPACK();
  encoder.setTableSize(0);
  return encoder.encode(headers);
}

export interface Http2Client {
  /** Sends a request (HEADERS, then the body as DATA with END_STREAM); `done` gets how it ended. */
  request(headerBlock: Buffer, body: Buffer, done: (outcome: Outcome) => void): void;
  /** Ends every open stream with `reason` and closes the connection. */
  destroy(reason: string): void;
  /** GOAWAY, then closes the connection once the server has closed its side (or after 2 s). */
  close(): Promise<void>;
}

export async function connectHttp2(host: string, port: number): Promise<Http2Client> {
  const socket = net.connect({ host, port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });

  const decoder = new HPACK();
  const streams = new Map<number, Stream>();
  /** Streams waiting for send window, in the order they asked. */
  const blocked: number[] = [];
  let nextStreamId = 1;
  let sendWindow = defaultWindow;
  let remoteInitialWindow = defaultWindow;
  let remoteMaxFrame = 16_384;
  let unacknowledged = 0;
  let closedReason: string | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let corked = false;
  let serverSettings: (() => void) | undefined;

  const write = (bytes: Buffer) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    socket.write(bytes);
  };

  const fail = (reason: string) => {
    closedReason ??= reason;
    for (const [id, stream] of streams) {
      streams.delete(id);
      stream.done({ error: reason });
    }
    blocked.length = 0;
  };

  const end = (id: number, outcome: Outcome) => {
    const stream = streams.get(id);
    if (!stream) return;
    streams.delete(id);
    stream.done(outcome);
  };

  /** Sends as much of the stream's body as the windows allow; answers whether all of it went. */
  const sendBody = (id: number, stream: Stream): boolean => {
    while (stream.body.length > 0) {
      const size = Math.min(stream.body.length, remoteMaxFrame, sendWindow, stream.sendWindow);
      if (size <= 0) return false;
      write(frame(frameType.data, size === stream.body.length ? flag.endStream : 0, id, stream.body.subarray(0, size)));
      stream.body = stream.body.subarray(size);
      sendWindow -= size;
      stream.sendWindow -= size;
    }
    return true;
  };

  /** Sends what the windows now allow, in the order the streams asked; one waiting for its own window does not hold back the others. */
  const unblock = () => {
    let kept = 0;
    for (const id of blocked) {
      const stream = streams.get(id);
      if (stream && !sendBody(id, stream)) blocked[kept++] = id;
    }
    blocked.length = kept;
  };

  const onHeaderBlock = (id: number, block: Buffer, endStream: boolean) => {
    // Every block is decoded, in order: the server's encoder indexes into a table both sides keep.
    const headers = decoder.decode(block) as Header[];
    if (endStream) return end(id, { trailers: headers });
    const stream = streams.get(id);
    if (stream) stream.status ??= headers.find(([name]) => name === ":status")?.[1];
  };

  const onFrame = (type: number, flags: number, id: number, payload: Buffer) => {
    switch (type) {
      case frameType.data: {
        unacknowledged += payload.length;
        if (unacknowledged >= windowUpdateEvery) {
          write(windowUpdate(0, unacknowledged));
          unacknowledged = 0;
        }
        if (flags & flag.endStream) end(id, { error: `HTTP ${streams.get(id)?.status ?? "?"}, the stream ended without trailers` });
        return;
      }
      case frameType.headers: {
        let start = 0;
        let stop = payload.length;
        if (flags & flag.padded) {
          start = 1;
          stop -= payload[0]!;
        }
        if (flags & flag.priority) start += 5;
        const fragment = payload.subarray(start, stop);
        const endStream = (flags & flag.endStream) !== 0;
        if (flags & flag.endHeaders) return onHeaderBlock(id, fragment, endStream);
        const stream = streams.get(id);
        if (stream) stream.block = { parts: [fragment], endStream };
        return;
      }
      case frameType.continuation: {
        const stream = streams.get(id);
        if (!stream?.block) return fail("CONTINUATION without HEADERS");
        stream.block.parts.push(payload);
        if (flags & flag.endHeaders) {
          const { parts, endStream } = stream.block;
          delete stream.block;
          onHeaderBlock(id, Buffer.concat(parts), endStream);
        }
        return;
      }
      case frameType.rstStream:
        return end(id, { error: `RST_STREAM ${payload.readUInt32BE(0)}` });
      case frameType.settings: {
        if (flags & flag.ack) return;
        for (let offset = 0; offset + 6 <= payload.length; offset += 6) {
          const key = payload.readUInt16BE(offset);
          const value = payload.readUInt32BE(offset + 2);
          if (key === setting.initialWindowSize) {
            for (const stream of streams.values()) stream.sendWindow += value - remoteInitialWindow;
            remoteInitialWindow = value;
          } else if (key === setting.maxFrameSize) {
            remoteMaxFrame = value;
          }
        }
        write(frame(frameType.settings, flag.ack, 0));
        serverSettings?.();
        serverSettings = undefined;
        return unblock();
      }
      case frameType.ping:
        if (!(flags & flag.ack)) write(frame(frameType.ping, flag.ack, 0, Buffer.from(payload)));
        return;
      case frameType.windowUpdate: {
        const increment = payload.readUInt32BE(0) & maxWindow;
        if (id === 0) sendWindow += increment;
        else {
          const stream = streams.get(id);
          if (stream) stream.sendWindow += increment;
        }
        return unblock();
      }
      case frameType.goaway: {
        const lastStreamId = payload.readUInt32BE(0) & maxWindow;
        const code = payload.readUInt32BE(4);
        const reason = `GOAWAY ${code} ${payload.subarray(8).toString("utf8")}`.trim();
        closedReason ??= reason;
        for (const id of [...streams.keys()]) if (id > lastStreamId) end(id, { error: reason });
        return;
      }
      case frameType.pushPromise:
        return fail("PUSH_PROMISE, though push is disabled");
      default:
        return; // unknown and PRIORITY frames are ignored (RFC 9113 §4.1, §5.3.2)
    }
  };

  socket.on("data", (chunk: Buffer) => {
    let buffer: Buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    try {
      while (buffer.length >= 9) {
        const length = buffer.readUIntBE(0, 3);
        if (buffer.length < 9 + length) break;
        onFrame(buffer[3]!, buffer[4]!, buffer.readUInt32BE(5) & maxWindow, buffer.subarray(9, 9 + length));
        buffer = buffer.subarray(9 + length);
      }
    } catch (error) {
      // A frame or header block this client cannot read: the connection is unusable.
      fail(`protocol: ${error instanceof Error ? error.message : String(error)}`);
      socket.destroy();
      return;
    }
    pending = buffer;
  });
  socket.on("error", (error) => fail(`transport ${error.message}`));
  socket.on("close", () => fail("transport: connection closed"));

  write(preface);
  write(frame(frameType.settings, 0, 0, settingsPayload([[setting.enablePush, 0], [setting.initialWindowSize, maxWindow]])));
  write(windowUpdate(0, maxWindow - defaultWindow));
  // Connected once the server's preface (its first SETTINGS) is in: requests then start with its windows and frame size.
  await new Promise<void>((resolve, reject) => {
    serverSettings = resolve;
    socket.once("close", () => reject(new Error(closedReason ?? "the connection closed before the server's SETTINGS")));
  });

  return {
    request(headerBlock, body, done) {
      if (closedReason !== undefined) return done({ error: closedReason });
      const id = nextStreamId;
      nextStreamId += 2;
      const stream: Stream = { done, body, sendWindow: remoteInitialWindow };
      streams.set(id, stream);
      for (let offset = 0; offset < headerBlock.length || offset === 0; offset += remoteMaxFrame) {
        const part = headerBlock.subarray(offset, offset + remoteMaxFrame);
        const last = offset + remoteMaxFrame >= headerBlock.length;
        write(frame(offset === 0 ? frameType.headers : frameType.continuation, last ? flag.endHeaders : 0, id, part));
      }
      if (body.length === 0) write(frame(frameType.data, flag.endStream, id));
      else if (!sendBody(id, stream)) blocked.push(id);
    },
    destroy(reason) {
      fail(reason);
      socket.destroy();
    },
    close() {
      return new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve();
        // Last stream id 0: the server opened none; error code 0, NO_ERROR.
        write(frame(frameType.goaway, 0, 0, Buffer.alloc(8)));
        socket.end();
        socket.once("close", () => resolve());
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 2_000).unref();
      });
    },
  };
}
