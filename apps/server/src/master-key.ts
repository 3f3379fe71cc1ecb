import { readFileSync } from "node:fs";
import { ConfigError } from "./config.js";

/**
 * The master key that wraps every data subject's key, from its file: 32 raw bytes,
 * or 64 hexadecimal digits (a trailing newline allowed). `undefined` when no file is
 * configured: appends naming a data subject are then refused.
 */
export function readMasterKey(path: string): Uint8Array | undefined {
  if (path === "") return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ConfigError(`masterKeyFile: cannot read ${path}: ${(error as Error).message}`);
  }
  const text = bytes.toString("latin1").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (bytes.length === 32) return bytes;
  throw new ConfigError(`masterKeyFile: ${path} must hold 32 bytes or 64 hexadecimal digits (e.g. \`openssl rand -hex 32 > ${path}\`)`);
}
