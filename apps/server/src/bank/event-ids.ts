import { createHash } from "node:crypto";

/** The namespace of the UUIDs derived from commands (a fixed, random UUID). */
const commandNamespace = "5b7a0c1e-3f0d-4d5e-9a55-2f6b8e1c4a90";

/** A name-based UUID (version 5, SHA-1, RFC 9562) of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replace(/-/g, ""), "hex"))
    .update(name, "utf8")
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of the `index`-th event a command records on an account. The same
 * command (account and command id) always gives the same ids, so the store
 * recognises a command sent twice.
 */
export function commandEventId(accountId: string, commandId: string, index: number): string {
  return uuidV5(JSON.stringify([accountId, commandId, index]), commandNamespace);
}
