import net from "node:net";

/**
 * A TCP port bound before anything else starts, so that a port in use fails at
 * once, before the database is opened or migrated. Connections accepted before
 * the server is ready wait, paused, and are handed over by `attach`.
 */
export interface BoundPort {
  readonly tcp: net.Server;
  /** Hands every connection, those waiting first, to `onConnection`. */
  attach(onConnection: (socket: net.Socket) => void): void;
  /** Stops listening and drops the connections still waiting. */
  close(): Promise<void>;
}

/** Why a port cannot be bound, in words; the system's code stays in parentheses. */
function bindFailure(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `port ${port} on ${host}`;
  const reasons: Record<string, string> = {
    EADDRINUSE: `${where} is in use`,
    EACCES: `${where} needs more privileges`,
    EADDRNOTAVAIL: `${host} is not an address of this machine`,
    ENOTFOUND: `host ${host} is not found`,
  };
  const reason = error.code ? reasons[error.code] : undefined;
  return reason ? new Error(`${reason} (${error.code})`, { cause: error }) : error;
}

/** Listens on `port` of `host` (0: a free port); rejects with a one-line reason when it cannot. */
export async function bindPort(port: number, host: string): Promise<BoundPort> {
  let handler: ((socket: net.Socket) => void) | undefined;
  const waiting = new Set<net.Socket>();
  const tcp = net.createServer({ pauseOnConnect: true }, (socket) => {
    if (handler) {
      handler(socket);
      socket.resume();
      return;
    }
    waiting.add(socket);
    socket.on("error", () => undefined);
    socket.once("close", () => waiting.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => reject(bindFailure(error, port, host));
    tcp.once("error", fail);
    tcp.listen(port, host, () => {
      tcp.off("error", fail);
      resolve();
    });
  });
  return {
    tcp,
    attach(onConnection) {
      handler = onConnection;
      for (const socket of waiting) {
        onConnection(socket);
        socket.resume();
      }
      waiting.clear();
    },
    close() {
      for (const socket of waiting) socket.destroy();
      return new Promise((resolve) => tcp.close(() => resolve()));
    },
  };
}
