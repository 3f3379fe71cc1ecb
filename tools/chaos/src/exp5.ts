import net from "node:net";
import { startChaosServer } from "./harness/server.js";
const server = await startChaosServer([]);
const socket = net.connect(server.port, "127.0.0.1");
const t = performance.now();
const log = (...a: unknown[]) => console.log(Math.round(performance.now() - t), ...a);
socket.on("data", (d: Buffer) => log("data", JSON.stringify(d.toString("latin1").slice(0, 300))));
socket.on("close", () => log("close"));
socket.on("error", (e) => log("error", e.message));
socket.on("end", () => log("end"));
await new Promise((r) => socket.once("connect", r));
socket.write(`POST /annals.eventstore.v1.EventStore/GetStream HTTP/1.1\r\nHost: x\r\nContent-Type: application/proto\r\nConnect-Protocol-Version: 1\r\nTransfer-Encoding: chunked\r\n\r\n`);
const chunk = Buffer.alloc(1 << 20, "a");
let sent = 0;
while (sent < 64 << 20 && !socket.destroyed) {
  socket.write(`${chunk.length.toString(16)}\r\n`);
  const ok = socket.write(Buffer.concat([chunk, Buffer.from("\r\n")])); sent += chunk.length;
  if (!ok) await new Promise((r) => { socket.once("drain", r); socket.once("close", r); });
}
log("loop done", sent >> 20);
await new Promise((r) => setTimeout(r, 1500));
console.log(server.process.lines.filter((l) => !l.includes("listening")).join("\n").slice(0, 2000));
await server.stop();
