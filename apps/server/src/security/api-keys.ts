import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseGrants, type Grants } from "./grants.js";

/** One API key as the keys file stores it: never the key itself, only its SHA-256. */
export interface ApiKeyEntry {
  /** The principal the key authenticates. Two keys may name one principal: that is how a key is rotated. */
  principal: string;
  /** Lowercase hex SHA-256 of the key. */
  sha256: string;
  /** The principal's grants; absent: those of `principals` in the config file. */
  grants?: Grants;
}

/** The SHA-256 of a key, as the keys file stores it (`annals keys hash` prints the same). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Reads an API keys file: `{ "keys": [{ "principal": "bank", "sha256": "<hex>", "grants": { … } }] }`.
 * Throws one line naming the file and the entry on anything malformed.
 */
export function readApiKeys(path: string): ApiKeyEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`API keys file ${path}: ${(error as Error).message}`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`API keys file ${path}: must hold { "keys": [ … ] }`);
  return keys.map((entry: unknown, index) => {
    const where = `API keys file ${path}: keys[${index}]`;
    const record = (entry ?? {}) as Record<string, unknown>;
    if (typeof record["principal"] !== "string" || record["principal"] === "") throw new Error(`${where}.principal: must be a non-empty string`);
    if (typeof record["sha256"] !== "string" || !/^[0-9a-f]{64}$/.test(record["sha256"])) throw new Error(`${where}.sha256: must be 64 lowercase hex digits (the key's SHA-256, never the key)`);
    return {
      principal: record["principal"],
      sha256: record["sha256"],
      ...(record["grants"] === undefined ? {} : { grants: parseGrants(record["grants"], `${where}.grants`) }),
    };
  });
}
