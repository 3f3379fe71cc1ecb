/**
 * A server for the transport benchmarks, run as a child process:
 *   h2-echo       bare `node:http2`, answers each gRPC call with the bytes it got (the floor)
 *   connect-echo  `connectNodeAdapter` on `http2.createServer`, echo service (the transport limit)
 *   annals <db> <driver> [fast-off] [writer-main|writer-worker] [lock|xid] [api-keys=<file>]  the Annals
 *                 server (`startServer`) on the store at <db>: a SQLite file, or a `postgres://…?schema=name`
 *                 URL (passed through as is; <driver> then unused); `fast-off` sends every gRPC call through
 *                 the Connect adapter (no fast unary path); `writer-*` sets `sqliteWriter` (default: the
 *                 store's); `lock` or `xid` picks the PostgreSQL ordering; `api-keys=<file>` requires a bearer
 *                 API key from that keys file on every call
 * It tells its parent the port, answers `cpu` with its `process.cpuUsage()`, and exits on `stop`.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ConnectRouter } from "@connectrpc/connect";
import { openEventStore } from "@annals/store";
import { createAuthenticator, createLogger, startServer } from "@annals/server";
import { echoService } from "./echo-service.js";

type ParentMessage = { type: "cpu"; id: number } | { type: "stop" };

function send(message: unknown): void {
  process.send?.(message);
}

function listen(server: http2.Http2Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function h2Echo(): http2.Http2Server {
  const server = http2.createServer();
  server.on("stream", (stream) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.concat(chunks));
    });
    stream.on("error", () => undefined);
  });
  return server;
}

function connectEcho(): http2.Http2Server {
  const service = echoService();
  const routes = (router: ConnectRouter) => {
    router.service(service, { echo: (request) => request });
  };
  return http2.createServer(connectNodeAdapter({ routes }));
}

async function main(): Promise<() => Promise<void>> {
  const [kind, database, driver, ...flags] = process.argv.slice(2);
  const apiKeysFile = flags.find((flag) => flag.startsWith("api-keys="))?.slice("api-keys=".length);
  if (kind === "h2-echo" || kind === "connect-echo") {
    const server = kind === "h2-echo" ? h2Echo() : connectEcho();
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on("session", (session) => {
      sessions.add(session);
      session.on("close", () => sessions.delete(session));
    });
    send({ type: "ready", port: await listen(server) });
    return async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  }
  if (kind === "annals" && database) {
    const sqliteDriver = driver === "sqlite3" ? "sqlite3" : "better-sqlite3";
    const sqliteWriter = flags.includes("writer-main") ? "main" : flags.includes("writer-worker") ? "worker" : undefined;
    const store = await openEventStore({ database, sqliteDriver, sqliteSynchronous: "FULL", postgresOrdering: flags.includes("xid") ? "xid" : "lock", ...(sqliteWriter ? { sqliteWriter } : {}) });
    const authenticator = apiKeysFile ? await createAuthenticator({ apiKeysFile }) : undefined;
    const server = await startServer({ store, logger: createLogger({ level: "silent", pretty: false }), port: 0, host: "127.0.0.1", shutdownGraceMs: 1_000, grpcFastPath: !flags.includes("fast-off"), authenticator });
    send({ type: "ready", port: server.port });
    return () => server.close();
  }
  throw new Error(`unknown server kind ${String(kind)}`);
}

main().then(
  (stop) => {
    process.on("message", (message: ParentMessage) => {
      if (message.type === "cpu") {
        const usage = process.cpuUsage();
        send({ type: "cpu", id: message.id, micros: usage.user + usage.system });
      } else if (message.type === "stop") {
        void stop().finally(() => process.exit(0));
      }
    });
    process.on("disconnect", () => process.exit(0));
  },
  (error: unknown) => {
    send({ type: "error", message: (error as Error).message });
    process.exit(1);
  },
);
