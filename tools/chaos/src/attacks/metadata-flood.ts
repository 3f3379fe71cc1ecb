import http2 from "node:http2";
import { readAnswer, type TransportName } from "../fuzz/wire.js";

/** How the flood reaches the server: binary gRPC (the fast path or the adapter, by the server's setting), or Connect JSON. */
export type FloodPath = "grpc" | "connect-json";

export interface MetadataFloodOptions {
  port: number;
  path: FloodPath;
  /** Appends sent one after the other, each on the same connection. */
  appends: number;
  /** Metadata entries in the one event of each append. Default 400,000. */
  entries?: number;
}

export interface FloodOutcome {
  code: string;
  bodyMiB: number;
  answerMs: number;
}

/** An AppendRequest of one event carrying `entries` tiny metadata entries (~12 bytes each on the wire), protobuf. */
function binaryAppend(entries: number): Buffer {
  const parts: Buffer[] = [];
  for (let index = 0; index < entries; index++) {
    const key = Buffer.from(`k${index.toString(36)}`);
    // Map entry: key (field 1), value (field 2) "v".
    const entry = Buffer.concat([Buffer.from([0x0a, key.length]), key, Buffer.from([0x12, 0x02, 0x76, 0x76])]);
    parts.push(Buffer.from([0x2a, entry.length]), entry);
  }
  const type = Buffer.from("chaos.Flood");
  const metadata = Buffer.concat(parts);
  const eventHead = Buffer.concat([Buffer.from([0x12, type.length]), type]);
  const event = Buffer.concat([eventHead, metadata]);
  const stream = Buffer.from("flood");
  return Buffer.concat([Buffer.from([0x0a, stream.length]), stream, Buffer.from([0x12]), varint(event.length), event]);
}

function jsonAppend(entries: number): Buffer {
  const metadata = Array.from({ length: entries }, (_, index) => `"k${index.toString(36)}":"vv"`).join(",");
  return Buffer.from(`{"stream":"flood","events":[{"type":"chaos.Flood","metadata":{${metadata}}}]}`);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value >= 128) {
    bytes.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

/** Appends of ~5 MB with ~400,000 metadata entries each, one at a time: the code each was answered with, and how soon. */
export async function metadataFlood(options: MetadataFloodOptions): Promise<FloodOutcome[]> {
  const entries = options.entries ?? 400_000;
  const message = options.path === "grpc" ? binaryAppend(entries) : jsonAppend(entries);
  const body = options.path === "grpc" ? Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), message]) : message;
  if (options.path === "grpc") body.writeUInt32BE(message.length, 1);
  const transport: TransportName = options.path === "grpc" ? "grpc-h2" : "connect-json-h2";
  const headers = options.path === "grpc" ? { "content-type": "application/grpc", te: "trailers" } : { "content-type": "application/json", "connect-protocol-version": "1" };
  const session = http2.connect(`http://127.0.0.1:${options.port}`);
  session.on("error", () => undefined);
  const outcomes: FloodOutcome[] = [];
  try {
    for (let index = 0; index < options.appends; index++) {
      outcomes.push(
        await new Promise<FloodOutcome>((resolve) => {
          const started = performance.now();
          const stream = session.request({ ":method": "POST", ":path": "/annals.eventstore.v1.EventStore/Append", ...headers });
          let status = 0;
          let responseHeaders: http2.IncomingHttpHeaders = {};
          let trailers: http2.IncomingHttpHeaders = {};
          let answerMs: number | undefined;
          const chunks: Buffer[] = [];
          stream.on("response", (received) => {
            answerMs = performance.now() - started;
            responseHeaders = received;
            status = Number(received[":status"]);
          });
          stream.on("trailers", (received) => (trailers = received));
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("error", () => undefined);
          stream.on("close", () => {
            const { code } = status === 0 ? { code: `RST_STREAM ${stream.rstCode}` } : readAnswer(transport, false, status, responseHeaders, Buffer.concat(chunks), trailers);
            resolve({ code, bodyMiB: Math.round((body.length / 2 ** 20) * 10) / 10, answerMs: Math.round(answerMs ?? performance.now() - started) });
          });
          stream.end(body);
        }),
      );
    }
  } finally {
    session.destroy();
  }
  return outcomes;
}
