import net from "node:net";
import { connectRawH2, flag, frame, frameType, headerBlock } from "../h2-frames.js";

export interface ConnectionFloodOptions {
  port: number;
  /** HTTP/1.1 (`GET /healthz`) or HTTP/2 (the preface, then `GET /healthz` on stream 1). */
  protocol: "h1" | "h2";
  connections: number;
  /** How long the connections are held open before they are closed, ms. */
  holdMs: number;
}

/** What one connection got: an answer, a refusal with a reason, or a bare close. */
export type FloodOutcome = "served" | "refused-503" | "goaway" | "closed" | "no-answer";

export interface ConnectionFloodResult {
  outcomes: Record<FloodOutcome, number>;
  /** The first refusal's text (HTTP/1.1 status line and body) or GOAWAY code. */
  refusal?: string;
}

/** Opens many connections, each making one small request, and holds them all open. */
export async function connectionFlood(options: ConnectionFloodOptions): Promise<ConnectionFloodResult> {
  const outcomes: Record<FloodOutcome, number> = { served: 0, "refused-503": 0, goaway: 0, closed: 0, "no-answer": 0 };
  let refusal: string | undefined;
  const sockets: net.Socket[] = [];
  const settled: Array<Promise<void>> = [];

  const openH1 = async () => {
    const socket = net.connect(options.port, "127.0.0.1");
    sockets.push(socket);
    socket.on("error", () => undefined);
    let answer = "";
    settled.push(
      new Promise<void>((resolve) => {
        let done = false;
        const decide = (outcome: FloodOutcome) => {
          if (done) return;
          done = true;
          outcomes[outcome] += 1;
          if (outcome === "refused-503") refusal ??= answer.replace(/\r\n/g, " | ").slice(0, 300);
          resolve();
        };
        socket.on("data", (chunk: Buffer) => {
          answer += chunk.toString("latin1");
          if (!answer.includes("\r\n\r\n")) return;
          if (answer.startsWith("HTTP/1.1 200")) decide("served");
          else if (answer.startsWith("HTTP/1.1 503")) setTimeout(() => decide("refused-503"), 50);
        });
        socket.on("close", () => decide(answer.startsWith("HTTP/1.1 503") ? "refused-503" : "closed"));
        setTimeout(() => decide("no-answer"), options.holdMs);
      }),
    );
    await new Promise<void>((resolve) => {
      socket.once("connect", () => resolve());
      socket.once("close", () => resolve());
    });
    if (!socket.destroyed) socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  };

  const openH2 = async () => {
    let connection;
    try {
      connection = await connectRawH2(options.port);
    } catch {
      outcomes.closed += 1;
      return;
    }
    sockets.push(connection.socket);
    const block = headerBlock([
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/healthz"],
      [":authority", "127.0.0.1"],
    ]);
    await connection.write(frame(frameType.headers, flag.endHeaders | flag.endStream, 1, block));
    settled.push(
      new Promise<void>((resolve) => {
        const decide = () => {
          const goaway = connection.goaway();
          if (goaway) {
            outcomes.goaway += 1;
            refusal ??= `GOAWAY error code ${goaway.errorCode}`;
          } else if (connection.headersReceived() > 0) outcomes.served += 1;
          else outcomes[connection.socket.destroyed ? "closed" : "no-answer"] += 1;
          resolve();
        };
        const timer = setTimeout(decide, Math.min(options.holdMs, 5_000));
        void connection.closed.then(() => {
          clearTimeout(timer);
          decide();
        });
      }),
    );
  };

  for (let index = 0; index < options.connections; index += 25) {
    await Promise.all(Array.from({ length: Math.min(25, options.connections - index) }, () => (options.protocol === "h1" ? openH1() : openH2())));
  }
  await Promise.all(settled);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, options.holdMs - 5_000)));
  for (const socket of sockets) socket.destroy();
  return { outcomes, refusal };
}
