import { connectHttp2, requestHeaderBlock, type Header, type Outcome } from "./http2-client.js";

/**
 * A lean gRPC load generator: one HTTP/2 connection (`http2-client.ts`, frames
 * written and read directly), many streams in flight, requests framed and encoded
 * before the round starts, one header block for every call. It does no protobuf work
 * while measuring and ignores the response bodies, so that it costs far less than
 * the server it drives: a call costs it 12–17 µs of CPU, where a `node:http2`
 * client spent 45–90 (`npm run bench:sqlite-writer` prints its rates beside
 * `h2load`'s).
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
  drive(path: string, frames: readonly Buffer[], inFlight: number, deadline: number, timeoutMs: number, minCalls?: number, extraHeaders?: Readonly<Record<string, string>>): Promise<GrpcLoadResult>;
  close(): Promise<void>;
}

export async function connectGrpc(port: number): Promise<GrpcConnection> {
  const client = await connectHttp2("127.0.0.1", port);

  /** "0" for OK, else the gRPC status (or why there was none) and its message. */
  function outcomeOf(outcome: Outcome): string {
    if ("error" in outcome) return `transport ${outcome.error}`;
    let status: string | undefined;
    let message = "";
    for (const [name, value] of outcome.trailers) {
      if (name === "grpc-status") status = value;
      else if (name === "grpc-message") message = value;
    }
    return status === "0" ? "0" : `${status ?? "none"} ${decodeURIComponent(message)}`;
  }

  const call = (block: Buffer, frame: Buffer) => new Promise<string>((resolve) => client.request(block, frame, (outcome) => resolve(outcomeOf(outcome))));

  return {
    async drive(path, frames, inFlight, deadline, timeoutMs, minCalls = 0, extraHeaders = {}) {
      const block = requestHeaderBlock([
        [":method", "POST"],
        [":scheme", "http"],
        [":authority", `127.0.0.1:${port}`],
        [":path", path],
        ["content-type", "application/grpc+proto"],
        ["te", "trailers"],
        ...Object.entries(extraHeaders).map(([name, value]): Header => [name.toLowerCase(), value]),
      ]);
      const latenciesMs: number[] = [];
      let next = 0;
      let failures = 0;
      let firstFailure: string | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        client.destroy("load round timed out");
      }, timeoutMs);
      const start = performance.now();
      const worker = async () => {
        while (next < frames.length && !timedOut) {
          const sent = performance.now();
          if (sent > deadline && next >= minCalls) break;
          const outcome = await call(block, frames[next++]!);
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
      return client.close();
    },
  };
}
