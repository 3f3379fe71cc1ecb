import { oversizedBodies } from "./attacks/oversized-bodies.js";
import { startChaosServer } from "./harness/server.js";
console.log("starting");
const server = await startChaosServer(process.argv[3] === "adapter" ? ["--grpc-fast-path", "false"] : []);
console.log("started", server.port);
try {
  const t = performance.now();
  const result = await oversizedBodies({ port: server.port, path: process.argv[2] as never, bodies: 1, bodyMiB: 64, readMaxBytes: 16 * 1024 * 1024, timeoutMs: 5000 });
  console.log(JSON.stringify(result), Math.round(performance.now() - t));
  await new Promise((r) => setTimeout(r, 500)); console.log("exit", server.process.child.exitCode, server.process.lines.length); console.log(server.process.lines.slice(1).join("\n").slice(0, 3000));
} finally { await server.stop(); }
