import http2 from "node:http2";

/**
 * A lean gRPC load generator: raw `node:http2`, one connection, many streams in
 * flight, requests framed and encoded before the round starts. It does no protobuf
 * work while measuring and ignores the response bodies, so that it costs far less
 * than the server it drives.
 */

/** A gRPC length-prefixed message: flag byte 0, big-endian length, bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.byteLength);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  return frame;
}

export interface GrpcLoadResult {
  /** Calls made (all of them, unless the deadline came first). */
  calls: number;
  seconds: number;
  latenciesMs: number[];
  failures: number;
  /** The first failure's gRPC status and message, for the report. */
  firstFailure?: string;
}

export interface GrpcConnection {
  /**
   * Sends the frames to `path`, at most `inFlight` at a time, starting none after
   * `deadline` (`performance.now()` time) once `minCalls` have started; fails when
   * the round lasts over `timeoutMs`.
   */
  drive(path: string, frames: readonly Buffer[], inFlight: number, deadline: number, timeoutMs: number, minCalls?: number, extraHeaders?: http2.OutgoingHttpHeaders): Promise<GrpcLoadResult>;
  close(): Promise<void>;
}

export async function connectGrpc(port: number): Promise<GrpcConnection> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  session.on("error", () => undefined);
  // Room for many responses in flight without waiting for window updates.
  session.setLocalWindowSize(32 * 1024 * 1024);

  function call(headers: http2.OutgoingHttpHeaders, frame: Buffer): Promise<string> {
    return new Promise((resolve) => {
      const stream = session.request(headers);
      let status: string | undefined;
      let message = "";
      stream.on("response", (head) => {
        // A trailers-only answer carries its status in the headers.
        if (head["grpc-status"] !== undefined) {
          status = String(head["grpc-status"]);
          message = String(head["grpc-message"] ?? "");
        }
      });
      stream.on("trailers", (trailers) => {
        status = String(trailers["grpc-status"]);
        message = String(trailers["grpc-message"] ?? "");
      });
      stream.on("data", () => undefined);
      stream.on("error", (error) => {
        status ??= "transport";
        message = error.message;
      });
      stream.on("close", () => resolve(status === "0" ? "0" : `${status ?? "none"} ${decodeURIComponent(message)}`));
      stream.end(frame);
    });
  }

  return {
    async drive(path, frames, inFlight, deadline, timeoutMs, minCalls = 0, extraHeaders = {}) {
      const headers: http2.OutgoingHttpHeaders = {
        ...extraHeaders,
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc+proto",
        te: "trailers",
      };
      const latenciesMs: number[] = [];
      let next = 0;
      let failures = 0;
      let firstFailure: string | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        session.destroy(new Error("load round timed out"));
      }, timeoutMs);
      const start = performance.now();
      const worker = async () => {
        while (next < frames.length && !timedOut) {
          const sent = performance.now();
          if (sent > deadline && next >= minCalls) break;
          const outcome = await call(headers, frames[next++]!);
          latenciesMs.push(performance.now() - sent);
          if (outcome !== "0") {
            failures += 1;
            firstFailure ??= outcome;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(inFlight, frames.length) }, worker));
      const seconds = (performance.now() - start) / 1000;
      clearTimeout(timer);
      if (timedOut) throw new Error(`a load round did not finish within ${timeoutMs} ms`);
      return { calls: latenciesMs.length, seconds, latenciesMs, failures, ...(firstFailure ? { firstFailure } : {}) };
    },
    close() {
      return new Promise<void>((resolve) => {
        if (session.closed || session.destroyed) return resolve();
        session.close(() => resolve());
        setTimeout(() => {
          session.destroy();
          resolve();
        }, 2_000).unref();
      });
    },
  };
}
