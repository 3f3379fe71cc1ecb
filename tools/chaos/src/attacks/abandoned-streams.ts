import { create, toBinary } from "@bufbuild/protobuf";
import { ReadAllRequestSchema, SubscribeRequestSchema } from "@annals/protocol";
import { connectRawH2, envelope, flag, frame, frameType, grpcHeaders, headerBlock } from "../h2-frames.js";

export interface AbandonedStreamsOptions {
  port: number;
  /** `Subscribe` calls to `$all` from the start. */
  subscribers: number;
  /** `ReadAll` calls from the start. */
  reads: number;
  /** Streams per connection. Default 10. */
  perConnection?: number;
  /**
   * `stalled`: the client never reads (its flow-control windows stay shut, so the
   * server's writes wait); `reading`: windows wide open. Either way the
   * connection is then destroyed without a word.
   */
  reading: "stalled" | "reading";
  /** How long the calls run before their connections are destroyed, ms. Default 1,000. */
  holdMs?: number;
}

/** Opens server-streaming calls, lets them run, then destroys their connections (no RST_STREAM, no GOAWAY). */
export async function abandonedStreams(options: AbandonedStreamsOptions): Promise<{ streams: number; connections: number; headersReceived: number }> {
  const perConnection = options.perConnection ?? 10;
  const calls: Array<{ path: string; body: Buffer }> = [
    ...Array.from({ length: options.subscribers }, () => ({
      path: "/annals.eventstore.v1.EventStore/Subscribe",
      body: envelope(toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { target: { case: "all", value: {} } }))),
    })),
    ...Array.from({ length: options.reads }, () => ({ path: "/annals.eventstore.v1.EventStore/ReadAll", body: envelope(toBinary(ReadAllRequestSchema, create(ReadAllRequestSchema, {}))) })),
  ];
  const connections = [];
  for (let index = 0; index < calls.length; index += perConnection) {
    const stalled = options.reading === "stalled";
    const connection = await connectRawH2(options.port, { openWindow: !stalled, initialWindowSize: stalled ? 16_384 : 2 ** 30 });
    connections.push(connection);
    const frames: Buffer[] = [];
    calls.slice(index, index + perConnection).forEach((call, offset) => {
      const id = 1 + 2 * offset;
      frames.push(frame(frameType.headers, flag.endHeaders, id, headerBlock(grpcHeaders(call.path))), frame(frameType.data, flag.endStream, id, call.body));
    });
    await connection.write(Buffer.concat(frames));
  }
  await new Promise((resolve) => setTimeout(resolve, options.holdMs ?? 1_000));
  const headersReceived = connections.reduce((sum, connection) => sum + connection.headersReceived(), 0);
  for (const connection of connections) connection.socket.destroy();
  return { streams: calls.length, connections: connections.length, headersReceived };
}
