import http2 from "node:http2";
import { startChaosServer } from "./harness/server.js";
const server = await startChaosServer(process.argv[2] === "adapter" ? ["--grpc-fast-path", "false"] : []);
const session = http2.connect(server.url);
const stream = session.request({ ":method": "POST", ":path": "/annals.eventstore.v1.EventStore/GetStream", "content-type": "application/grpc", te: "trailers" });
const t = performance.now();
const log = (...a: unknown[]) => console.log(Math.round(performance.now() - t), ...a);
stream.on("response", (h) => log("response", h));
stream.on("trailers", (h) => log("trailers", h));
stream.on("close", () => log("close", stream.rstCode));
stream.on("error", (e) => log("error", e.message));
stream.on("aborted", () => { log("aborted"); setImmediate(() => stream.destroy()); });
const chunk = Buffer.alloc(1 << 20, "a");
const head = Buffer.alloc(5); head.writeUInt32BE(16 << 20, 1);
stream.write(head);
let sent = 0;
while (sent < 64 << 20 && !stream.closed) {
  const ok = stream.write(chunk); sent += chunk.length;
  if (!ok) await new Promise((r) => { stream.once("drain", r); stream.once("close", r); });
}
log("loop done", sent >> 20);
setTimeout(async () => { session.destroy(); await server.stop(); }, 1000);
