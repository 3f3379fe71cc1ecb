/**
 * The cost of authentication: single-event gRPC appends, 64 in flight on one
 * connection, against two servers run side by side in their own processes, one
 * without authentication and one that requires an API key (`authorization:
 * Bearer …`, checked against the keys file's SHA-256 and the policy on every
 * call). Rounds alternate between the two so that both see the same machine.
 *
 *   npm run bench:auth                          (a warm-up, then 5 rounds of 2 s each)
 *   npm run bench:auth -- --rounds 3 --seconds 1
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { hashApiKey } from "@annals/server";
import { createScratch } from "../fixtures.js";
import { connectGrpc, type GrpcLoadResult } from "../grpc-load.js";
import { startServerProcess } from "../server-process.js";
import { appendFrames, appendPath } from "./server-appends.js";

export interface AuthCostResult {
  plain: number[];
  withKey: number[];
  /** Median calls/s with the key over the median without. */
  ratio: number;
  /** The median of each round's ratio (the rounds of a pair run back to back, on the same machine load). */
  pairedRatio: number;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function measureAuthCost(options: { rounds: number; seconds: number; inFlight: number }): Promise<AuthCostResult> {
  const scratch = createScratch();
  const key = randomBytes(32).toString("base64url");
  const keysFile = join(scratch.root, "api-keys.json");
  writeFileSync(keysFile, JSON.stringify({ keys: [{ principal: "bench", sha256: hashApiKey(key), grants: { write: ["auth-"] } }] }));
  const plain = await startServerProcess("annals", [scratch.file("auth-plain"), "better-sqlite3"]);
  const secured = await startServerProcess("annals", [scratch.file("auth-key"), "better-sqlite3", `api-keys=${keysFile}`]);
  const ports = { plain: plain.port, secured: secured.port };
  // Enough calls for a round at ~20,000 calls/s.
  const frames = appendFrames("auth", Math.ceil(20_000 * options.seconds), 1, options.inFlight);
  const result = { plain: [] as number[], withKey: [] as number[] };
  try {
    const round = async (which: "plain" | "secured", index: number): Promise<number> => {
      const headers: Record<string, string> = which === "secured" ? { authorization: `Bearer ${key}` } : {};
      const prepared = frames(index);
      // A connection of its own per round: one left idle while the other server is driven could be pinged out.
      const connection = await connectGrpc(ports[which]);
      let load: GrpcLoadResult;
      try {
        load = await connection.drive(appendPath, prepared, options.inFlight, performance.now() + options.seconds * 1000, 120_000, 2 * options.inFlight, headers);
      } finally {
        await connection.close();
      }
      if (load.failures > 0) throw new Error(`${which}: ${load.failures} calls failed, the first with ${load.firstFailure}`);
      return load.calls / load.seconds;
    };
    // Warm-up, not counted.
    await round("plain", 0);
    await round("secured", 0);
    for (let index = 1; index <= options.rounds; index += 1) {
      result.plain.push(await round("plain", index));
      result.withKey.push(await round("secured", index));
    }
  } finally {
    await plain.stop();
    await secured.stop();
    scratch.remove();
  }
  const paired = result.withKey.map((value, index) => value / result.plain[index]!);
  return { ...result, ratio: median(result.withKey) / median(result.plain), pairedRatio: median(paired) };
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isEntry) {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "2" }, "in-flight": { type: "string", default: "64" } } });
  const result = await measureAuthCost({ rounds: Number(values.rounds), seconds: Number(values.seconds), inFlight: Number(values["in-flight"]) });
  const format = (values: number[]) => values.map((value) => Math.round(value)).join(", ");
  console.log(`single-event Append, gRPC, ${values["in-flight"]} in flight, ${values.rounds} rounds of ${values.seconds} s (calls/s)`);
  console.log(`  no authentication: median ${Math.round(median(result.plain))}  (${format(result.plain)})`);
  console.log(`  API key:           median ${Math.round(median(result.withKey))}  (${format(result.withKey)})`);
  console.log(`  ratio (API key / none): ${result.ratio.toFixed(3)} of the medians, ${result.pairedRatio.toFixed(3)} the median of the rounds' ratios`);
}
