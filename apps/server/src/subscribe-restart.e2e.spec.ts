import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Code, createAnnalsClient, type AnnalsClient, type ResolvedEvent } from "@annals/sdk";
import { startServerProcess, type ServerProcess } from "./testing/server-process.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Subscribe across server restarts (real server processes, one database file)", () => {
  const folder = mkdtempSync(join(tmpdir(), "annals-restart-"));
  const database = join(folder, "annals.db");
  const servers: ServerProcess[] = [];
  const clients: AnnalsClient[] = [];

  const start = async (port: number) => {
    const server = await startServerProcess(["--db", database, "--port", String(port), "--shutdown-grace-ms", "2000"]);
    servers.push(server);
    return server;
  };

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
    await Promise.all(servers.map((server) => server.exited));
    rmSync(folder, { recursive: true, force: true });
  });

  it("resumes after a graceful stop and after kill -9, on the same port: no event lost or repeated; checkpoints survive", async () => {
    const total = 240;
    let server = await start(0);
    const port = server.port;
    const client = createAnnalsClient({ baseUrl: server.url });
    const writer = createAnnalsClient({ baseUrl: server.url });
    clients.push(client, writer);

    await client.setCheckpoint("restart-model", 7);
    const reconnects: Code[] = [];
    const subscription = client.subscribe({ all: true, onReconnect: (error) => void reconnects.push(error.code), reconnect: { minDelayMs: 20, maxDelayMs: 250 } });
    const received: ResolvedEvent[] = [];
    const reading = (async () => {
      const deadline = setTimeout(() => subscription.close(), 60_000);
      for await (const event of subscription) {
        received.push(event);
        if (received.length >= total) break;
      }
      clearTimeout(deadline);
    })();
    await subscription.caughtUp;

    // One event per append, each retried with the same id until acknowledged: idempotent across crashes.
    const sent: string[] = [];
    const writing = (async () => {
      for (let index = 0; index < total; index += 1) {
        const id = randomUUID();
        sent.push(id);
        for (let attempt = 0; ; attempt += 1) {
          try {
            await writer.appendToStream("restarts", [{ id, type: "test.Counted", data: new TextEncoder().encode(String(index)) }]);
            break;
          } catch (error) {
            if (attempt > 400) throw error;
            await sleep(25);
          }
        }
      }
    })();

    const waitFor = async (count: number) => {
      const deadline = Date.now() + 30_000;
      while (received.length < count && Date.now() < deadline) await sleep(10);
    };
    await waitFor(total / 3);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    server = await start(port);
    await waitFor((2 * total) / 3);
    server.child.kill("SIGKILL");
    await server.exited;
    await sleep(100);
    server = await start(port);

    await writing;
    await reading;
    expect(received.map((event) => event.id)).toEqual(sent);
    expect(received.map((event) => Number(event.position))).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    expect(received.map((event) => Number(event.revision))).toEqual(Array.from({ length: total }, (_, index) => index));
    expect(reconnects.length).toBeGreaterThanOrEqual(2);
    expect(reconnects.every((code) => code === Code.Unavailable || code === Code.Internal || code === Code.Canceled)).toBe(true);
    expect((await client.getCheckpoint("restart-model"))?.position).toBe(7n);
  });
});
