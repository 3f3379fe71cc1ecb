import net from "node:net";
import { describe, expect, it } from "vitest";
import { bindPort } from "./bound-port.js";

describe("bindPort", () => {
  it("holds connections made before the server is ready, bytes and all, and hands them over", async () => {
    const bound = await bindPort(0, "127.0.0.1");
    const { port } = bound.tcp.address() as net.AddressInfo;
    const client = net.connect(port, "127.0.0.1");
    client.write("early bytes");
    const reply = new Promise<string>((resolve) => client.once("data", (chunk) => resolve(chunk.toString())));
    await new Promise((resolve) => setTimeout(resolve, 100));
    bound.attach((socket) => socket.once("data", (chunk) => socket.end(`echo: ${chunk.toString()}`)));
    expect(await reply).toBe("echo: early bytes");
    client.destroy();
    await bound.close();
  });

  it("refuses a port in use with a one-line reason", async () => {
    const first = await bindPort(0, "127.0.0.1");
    const { port } = first.tcp.address() as net.AddressInfo;
    await expect(bindPort(port, "127.0.0.1")).rejects.toThrow(`port ${port} on 127.0.0.1 is in use (EADDRINUSE)`);
    await first.close();
  });
});
