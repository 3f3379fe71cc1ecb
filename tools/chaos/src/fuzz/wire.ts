import http from "node:http";
import http2 from "node:http2";

/**
 * The ways a request reaches the server, and what came back, read the way each
 * protocol carries its status: gRPC's `grpc-status` (headers or trailers), the
 * trailer frame of gRPC-Web, Connect's HTTP status and JSON error, or the
 * end-of-stream message of a Connect stream.
 */
export type TransportName = "grpc-h2" | "grpc-web-h2" | "grpc-web-h1" | "connect-proto-h2" | "connect-json-h2" | "connect-proto-h1" | "connect-json-h1";

export const transportNames: readonly TransportName[] = ["grpc-h2", "grpc-web-h2", "grpc-web-h1", "connect-proto-h2", "connect-json-h2", "connect-proto-h1", "connect-json-h1"];

export interface WireRequest {
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface WireOutcome {
  /** A gRPC code name (`OK`, `INVALID_ARGUMENT`…), `HTTP_<status>` when the answer carried no code, or `HANG`, `CONNECTION` (`detail` says what). */
  code: string;
  httpStatus: number;
  ms: number;
  /** The first response message (binary, or JSON text), when there is one. */
  message?: Uint8Array;
  detail?: string;
}

export const codeNames = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"];

function grpcCodeName(status: string): string {
  return codeNames[Number(status)] ?? `grpc-status ${status}`;
}

/** The messages of an enveloped body: flags and bytes each. A torn last envelope is left out. */
export function envelopes(body: Buffer): Array<{ flags: number; data: Buffer }> {
  const out: Array<{ flags: number; data: Buffer }> = [];
  let at = 0;
  while (at + 5 <= body.length) {
    const length = body.readUInt32BE(at + 1);
    if (at + 5 + length > body.length) break;
    out.push({ flags: body[at]!, data: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

function connectErrorCode(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { code?: unknown; error?: { code?: unknown } };
    const code = parsed.code ?? parsed.error?.code;
    return typeof code === "string" ? code.toUpperCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Reads an answer: the code, by protocol. */
export function readAnswer(transport: TransportName, streaming: boolean, status: number, headers: Record<string, string | string[] | undefined>, body: Buffer, trailers: Record<string, string | string[] | undefined>): Omit<WireOutcome, "ms"> {
  const header = (name: string) => {
    const value = trailers[name] ?? headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  // The protocol the server answered in (a wrong content type may make it read the call as another one).
  const answered = String(headers["content-type"] ?? "");
  if (answered.startsWith("application/grpc-web")) transport = "grpc-web-h2";
  else if (answered.startsWith("application/grpc")) transport = "grpc-h2";
  else if (answered.startsWith("application/connect+")) {
    transport = "connect-proto-h2";
    streaming = true;
  } else if (answered.startsWith("application/json") || answered.startsWith("application/proto")) {
    transport = "connect-proto-h2";
    streaming = false;
  }
  if (transport === "grpc-h2") {
    const grpcStatus = header("grpc-status");
    if (grpcStatus === undefined) return { code: `HTTP_${status}`, httpStatus: status };
    return { code: grpcCodeName(grpcStatus), httpStatus: status, message: envelopes(body).find((envelope) => envelope.flags === 0)?.data };
  }
  if (transport.startsWith("grpc-web")) {
    const inHeaders = header("grpc-status");
    const frames = envelopes(body);
    const trailer = frames.find((envelope) => (envelope.flags & 0x80) !== 0);
    const fromTrailer = trailer ? /grpc-status: ?(\d+)/i.exec(trailer.data.toString("latin1"))?.[1] : undefined;
    const grpcStatus = fromTrailer ?? inHeaders;
    if (grpcStatus === undefined) return { code: `HTTP_${status}`, httpStatus: status };
    return { code: grpcCodeName(grpcStatus), httpStatus: status, message: frames.find((envelope) => envelope.flags === 0)?.data };
  }
  if (!streaming) {
    if (status === 200) return { code: "OK", httpStatus: status, message: body };
    return { code: connectErrorCode(body.toString("utf8")) ?? `HTTP_${status}`, httpStatus: status };
  }
  if (status !== 200) return { code: connectErrorCode(body.toString("utf8")) ?? `HTTP_${status}`, httpStatus: status };
  const frames = envelopes(body);
  const end = frames.find((envelope) => (envelope.flags & 0x02) !== 0);
  if (!end) return { code: "HTTP_200_NO_END_OF_STREAM", httpStatus: status };
  return { code: connectErrorCode(end.data.toString("utf8")) ?? "OK", httpStatus: status, message: frames.find((envelope) => envelope.flags === 0)?.data };
}

/** Sends requests over one transport to one server: an HTTP/2 session (reopened when it closes), or HTTP/1.1 keep-alive sockets. */
export interface WireClient {
  send(request: WireRequest, streaming: boolean, deadlineMs: number): Promise<WireOutcome>;
  close(): void;
}

export function createWireClient(transport: TransportName, port: number): WireClient {
  return transport.endsWith("h2") ? h2Client(transport, port) : h1Client(transport, port);
}

function h2Client(transport: TransportName, port: number): WireClient {
  let session: http2.ClientHttp2Session | undefined;
  const connect = () => {
    if (session && !session.closed && !session.destroyed) return session;
    const opened = http2.connect(`http://127.0.0.1:${port}`);
    opened.on("error", () => undefined);
    opened.on("goaway", () => opened.close());
    session = opened;
    return opened;
  };
  return {
    send(request, streaming, deadlineMs) {
      const started = performance.now();
      return new Promise<WireOutcome>((resolve) => {
        let stream: http2.ClientHttp2Stream;
        try {
          stream = connect().request({ ":method": "POST", ":path": request.path, ...request.headers }, { endStream: false });
        } catch (error) {
          resolve({ code: "CONNECTION", httpStatus: 0, ms: performance.now() - started, detail: String(error) });
          return;
        }
        let status = 0;
        let headers: http2.IncomingHttpHeaders = {};
        let trailers: http2.IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        let settled = false;
        const settle = (outcome: Omit<WireOutcome, "ms">) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ ...outcome, ms: performance.now() - started });
        };
        const timer = setTimeout(() => {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          settle({ code: "HANG", httpStatus: status, detail: `no answer within ${deadlineMs} ms` });
        }, deadlineMs);
        stream.on("response", (received) => {
          headers = received;
          status = Number(received[":status"]);
        });
        stream.on("trailers", (received) => (trailers = received));
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("error", () => undefined);
        stream.on("close", () => {
          if (status === 0) {
            settle({ code: "CONNECTION", httpStatus: 0, detail: `stream closed before an answer (RST_STREAM ${stream.rstCode})` });
            return;
          }
          const outcome = readAnswer(transport, streaming, status, headers, Buffer.concat(chunks), trailers);
          // A reset other than "stop sending" after an answer is worth knowing.
          settle(stream.rstCode !== 0 && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR && outcome.code.startsWith("HTTP_") ? { ...outcome, code: "CONNECTION", detail: `RST_STREAM ${stream.rstCode}` } : outcome);
        });
        stream.end(request.body);
      });
    },
    close: () => session?.destroy(),
  };
}

function h1Client(transport: TransportName, port: number): WireClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  return {
    send(request, streaming, deadlineMs) {
      const started = performance.now();
      return new Promise<WireOutcome>((resolve) => {
        let settled = false;
        const settle = (outcome: Omit<WireOutcome, "ms">) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ ...outcome, ms: performance.now() - started });
        };
        const outgoing = http.request({ host: "127.0.0.1", port, method: "POST", path: request.path, headers: { ...request.headers, "content-length": String(request.body.length) }, agent }, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", () => undefined);
          response.on("end", () => settle(readAnswer(transport, streaming, response.statusCode ?? 0, response.headers, Buffer.concat(chunks), response.trailers)));
          response.on("close", () => settle({ ...readAnswer(transport, streaming, response.statusCode ?? 0, response.headers, Buffer.concat(chunks), response.trailers) }));
        });
        const timer = setTimeout(() => {
          outgoing.destroy();
          settle({ code: "HANG", httpStatus: 0, detail: `no answer within ${deadlineMs} ms` });
        }, deadlineMs);
        outgoing.on("error", (error) => settle({ code: "CONNECTION", httpStatus: 0, detail: error.message }));
        outgoing.end(request.body);
      });
    },
    close: () => agent.destroy(),
  };
}
