import type http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { maxRequestBodyBytes, requestBodyTooLarge } from "../transport/request-limits.js";

const compressedFlag = 0b00000001;

/** An unreadable request is the client's fault: INVALID_ARGUMENT (Connect's reader, patched, answers the same). */
export function compressedEnvelope(): ConnectError {
  return new ConnectError("received compressed envelope, but do not know how to decompress", Code.InvalidArgument);
}

export function isCompressed(flags: number): boolean {
  return (flags & compressedFlag) === compressedFlag;
}

export function parseBinary(schema: DescMessage, bytes: Uint8Array): MessageShape<DescMessage> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    throw new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.InvalidArgument);
  }
}

/**
 * The request messages of a streaming call, decoded as the body arrives, with the
 * errors of Connect's envelope reader in its order: a body past one message of the
 * limit, an envelope longer than the limit, a compressed envelope, an unreadable
 * message, and at the end a partial envelope. Reading starts at once (the limit
 * bounds what waits for a reader); a body cut off by the client fails with CANCELLED.
 */
export function requestMessages(stream: http2.ServerHttp2Stream, schema: DescMessage, readMaxBytes: number): AsyncIterable<MessageShape<DescMessage>> {
  const maxBodyBytes = maxRequestBodyBytes(readMaxBytes);
  const chunks: Buffer[] = [];
  let received = 0;
  let ended = false;
  let failure: ConnectError | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  stream.on("data", (chunk: Buffer) => {
    if (failure) return;
    received += chunk.length;
    // Nothing past one message of the limit is buffered: the body is refused there.
    if (received > maxBodyBytes) failure = requestBodyTooLarge(readMaxBytes);
    else chunks.push(chunk);
    notify();
  });
  stream.on("end", () => {
    ended = true;
    notify();
  });
  stream.on("close", () => {
    if (!ended) failure ??= new ConnectError("the client went away before the request was complete", Code.Canceled);
    notify();
  });
  return {
    async *[Symbol.asyncIterator]() {
      let buffer: Buffer = Buffer.alloc(0);
      for (;;) {
        if (chunks.length > 0) {
          buffer = buffer.length === 0 && chunks.length === 1 ? chunks[0]! : Buffer.concat([buffer, ...chunks]);
          chunks.length = 0;
        }
        while (buffer.length >= 5) {
          const length = buffer.readUInt32BE(1);
          if (length > readMaxBytes) throw new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
          if (buffer.length < 5 + length) break;
          const flags = buffer[0]!;
          const bytes = buffer.subarray(5, 5 + length);
          buffer = buffer.subarray(5 + length);
          if (isCompressed(flags)) throw compressedEnvelope();
          yield parseBinary(schema, bytes);
        }
        if (failure) throw failure;
        if (ended) {
          if (buffer.length > 0) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/** The one request message of a server-streaming call, as Connect takes it. */
export async function singleMessage<T>(messages: AsyncIterable<T>): Promise<T> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) throw new ConnectError("protocol error: missing input message for server-streaming method", Code.Unimplemented);
  const second = await iterator.next();
  if (second.done !== true) throw new ConnectError("protocol error: received extra input message for server-streaming method", Code.Unimplemented);
  return first.value;
}
