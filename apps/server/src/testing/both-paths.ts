import { afterAll, beforeAll } from "vitest";
import { startTestServer, type TestServer } from "./test-server.js";

export type UnaryPath = "fast" | "adapter";

/**
 * For the enclosing suite: one server answering unary gRPC calls on the fast path
 * and one sending every call through the Connect adapter (`grpcFastPath: false`),
 * started before its tests and stopped after them. Read them inside tests.
 */
export function useServersOnBothPaths(): Record<UnaryPath, TestServer | undefined> {
  const servers: Record<UnaryPath, TestServer | undefined> = { fast: undefined, adapter: undefined };
  beforeAll(async () => {
    servers.fast = await startTestServer();
    servers.adapter = await startTestServer({ server: { grpcFastPath: false } });
  });
  afterAll(async () => {
    await servers.fast?.stop();
    await servers.adapter?.stop();
  });
  return servers;
}
