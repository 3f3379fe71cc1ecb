import http2 from "node:http2";
import net from "node:net";

/** The ways a request reaches the server: protocol and HTTP version. */
export type BodyPath = "grpc-h2" | "grpc-web-h2" | "connect-h2" | "grpc-web-h1" | "connect-h1";

export interface OversizedBodiesOptions {
  port: number;
  path: BodyPath;
  /** Bodies sent one after the other (on one connection while the server keeps it). */
  bodies: number;
  bodyMiB: number;
  /** The server's message limit, bytes: the first message declares exactly this much. */
  readMaxBytes: number;
  /** Per body, ms. Default 60,000. */
  timeoutMs?: number;
}

export interface BodyOutcome {
  /** The gRPC / Connect code the server answered, e.g. `RESOURCE_EXHAUSTED`, or `NONE`. */
  code: string;
  /** Bytes the server had taken when its answer came, MiB. */
  sentBeforeAnswerMiB: number;
  /** Bytes the server took in all (it should stop reading once it answered), MiB. */
  sentMiB: number;
  /** Time until the answer, ms. */
  answerMs: number;
  /** Connections used so far (HTTP/1.1 reconnects when the server closes). */
  connection: number;
}

const codeNames = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"];

/** The code in whatever form the protocol carries it: grpc-status header, gRPC-Web trailer frame, Connect JSON. */
function codeOf(grpcStatus: string | undefined, body: string): string {
  const status = grpcStatus ?? /grpc-status: ?(\d+)/i.exec(body)?.[1];
  if (status !== undefined) return codeNames[Number(status)] ?? `grpc-status ${status}`;
  const connect = /"code"\s*:\s*"([a-z_]+)"/.exec(body)?.[1];
  return connect ? connect.toUpperCase() : "NONE";
}

const contentTypes: Record<BodyPath, string> = {
  "grpc-h2": "application/grpc",
  "grpc-web-h2": "application/grpc-web+proto",
  "connect-h2": "application/proto",
  "grpc-web-h1": "application/grpc-web+proto",
  "connect-h1": "application/proto",
};

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value >= 128) {
    bytes.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

/**
 * The start of a body: a `GetStreamRequest` whose `stream` field is as long as
 * the limit allows (the rest of the body is more of the same letter). Enveloped
 * protocols declare a first message of exactly `readMaxBytes`, which is allowed;
 * everything after it is the excess. Connect's unary body is the bare message.
 */
function bodyHead(path: BodyPath, readMaxBytes: number, bodyBytes: number): Buffer {
  if (path.startsWith("connect")) {
    const length = bodyBytes - 6;
    return Buffer.concat([Buffer.from([0x0a]), varint(length)]);
  }
  const stringLength = readMaxBytes - 1 - varint(readMaxBytes).length;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(readMaxBytes, 1);
  return Buffer.concat([head, Buffer.from([0x0a]), varint(stringLength)]);
}

const chunk = Buffer.alloc(1024 * 1024, "a");
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Request bodies far over the message limit, each streamed as fast as the server takes it. */
export async function oversizedBodies(options: OversizedBodiesOptions): Promise<BodyOutcome[]> {
  const outcomes: BodyOutcome[] = [];
  const bodyBytes = options.bodyMiB * 2 ** 20;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const path = "/annals.eventstore.v1.EventStore/GetStream";
  if (options.path.endsWith("h2")) {
    const socket = net.connect(options.port, "127.0.0.1");
    const session = http2.connect(`http://127.0.0.1:${options.port}`, { createConnection: () => socket });
    session.on("error", () => undefined);
    for (let index = 0; index < options.bodies; index++) {
      outcomes.push(
        await new Promise<BodyOutcome>((resolve) => {
          const started = performance.now();
          let sent = 0;
          let sentBeforeAnswer: number | undefined;
          let answerMs = 0;
          let grpcStatus: string | undefined;
          let body = "";
          const stream = session.request({ ":method": "POST", ":path": path, "content-type": contentTypes[options.path], te: "trailers", "connect-protocol-version": "1" });
          stream.on("error", () => undefined);
          // A reset while a write is pending leaves Node's client stream closed but never 'close'd: finish it.
          stream.on("aborted", () => setImmediate(() => stream.destroy()));
          const answered = () => {
            if (sentBeforeAnswer === undefined) {
              sentBeforeAnswer = sent;
              answerMs = Math.round(performance.now() - started);
            }
          };
          stream.on("response", (headers) => {
            grpcStatus ??= headers["grpc-status"] as string | undefined;
            answered();
          });
          stream.on("trailers", (trailers) => (grpcStatus = (trailers["grpc-status"] as string | undefined) ?? grpcStatus));
          stream.on("data", (data: Buffer) => {
            if (body.length < 65_536) body += data.toString("latin1");
          });
          const timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), timeoutMs);
          stream.on("close", () => {
            clearTimeout(timer);
            answered();
            resolve({ code: codeOf(grpcStatus, body), sentBeforeAnswerMiB: mib(sentBeforeAnswer!), sentMiB: mib(sent), answerMs, connection: 1 });
          });
          void (async () => {
            const head = bodyHead(options.path, options.readMaxBytes, bodyBytes);
            stream.write(head);
            sent += head.length;
            while (sent < bodyBytes && !stream.closed && !stream.destroyed) {
              const piece = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
              const flushed = stream.write(piece);
              sent += piece.length;
              if (!flushed) await new Promise<void>((resume) => {
                const done = () => {
                  stream.off("drain", done);
                  stream.off("close", done);
                  resume();
                };
                stream.on("drain", done);
                stream.on("close", done);
              });
            }
            if (!stream.closed && !stream.destroyed) stream.end();
          })();
        }),
      );
    }
    session.destroy();
    return outcomes;
  }

  let connections = 0;
  let socket: net.Socket | undefined;
  for (let index = 0; index < options.bodies; index++) {
    if (!socket || socket.destroyed) {
      connections += 1;
      socket = net.connect(options.port, "127.0.0.1");
      socket.on("error", () => undefined);
      await new Promise<void>((resolve) => socket!.once("connect", () => resolve()));
    }
    const current = socket;
    outcomes.push(
      await new Promise<BodyOutcome>((resolve) => {
        const started = performance.now();
        let sent = 0;
        let sentBeforeAnswer: number | undefined;
        let answerMs = 0;
        let answer = "";
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          current.off("data", onData);
          current.off("close", finish);
          sentBeforeAnswer ??= sent;
          const body = answer.slice(answer.indexOf("\r\n\r\n") + 4);
          resolve({ code: codeOf(/^grpc-status: ?(\d+)/im.exec(answer)?.[1], body), sentBeforeAnswerMiB: mib(sentBeforeAnswer), sentMiB: mib(sent), answerMs, connection: connections });
        };
        const onData = (data: Buffer) => {
          answer += data.toString("latin1");
          if (sentBeforeAnswer === undefined && answer.includes("\r\n\r\n")) {
            sentBeforeAnswer = sent;
            answerMs = Math.round(performance.now() - started);
          }
        };
        current.on("data", onData);
        current.on("close", finish);
        const timer = setTimeout(finish, timeoutMs);
        void (async () => {
          current.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentTypes[options.path]}\r\nConnect-Protocol-Version: 1\r\nTransfer-Encoding: chunked\r\n\r\n`);
          const head = bodyHead(options.path, options.readMaxBytes, bodyBytes);
          current.write(`${head.length.toString(16)}\r\n`);
          current.write(head);
          current.write("\r\n");
          sent += head.length;
          while (sent < bodyBytes && !current.destroyed && !finished) {
            const piece = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
            current.write(`${piece.length.toString(16)}\r\n`);
            const flushed = current.write(Buffer.concat([piece, Buffer.from("\r\n")]));
            sent += piece.length;
            if (!flushed) await new Promise<void>((resume) => {
              const done = () => {
                current.off("drain", done);
                current.off("close", done);
                resume();
              };
              current.on("drain", done);
              current.on("close", done);
            });
          }
          if (!current.destroyed) current.write("0\r\n\r\n");
          // A server that read it all answers now; one that closed the connection is done already.
          setTimeout(finish, 2_000);
        })();
      }),
    );
  }
  socket?.destroy();
  return outcomes;
}
