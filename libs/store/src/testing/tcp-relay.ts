import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP relay on 127.0.0.1 in front of another address, that a test can cut and
 * bring back: what a client sees when its database restarts or the network drops,
 * without touching the database itself.
 */
export interface TcpRelay {
  /** The relay's port on 127.0.0.1; the same after `start()`. */
  readonly port: number;
  /** Connections relayed right now. */
  readonly connections: number;
  /** Destroys every relayed connection and stops listening: new connections are refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export interface TcpRelayTarget {
  host: string;
  port: number;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as { port: number }).port;
}

/** Starts a relay to `target` on a free port of 127.0.0.1. */
export async function startTcpRelay(target: TcpRelayTarget): Promise<TcpRelay> {
  const pairs = new Set<readonly [Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const socket of pair) {
      socket.on("error", end);
      socket.on("close", end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await listen(server, 0);
  let listening = true;
  return {
    port,
    get connections() {
      return pairs.size;
    },
    async stop() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      if (!listening) return;
      listening = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
  };
}

/** A port on 127.0.0.1 that nobody listens on (free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
