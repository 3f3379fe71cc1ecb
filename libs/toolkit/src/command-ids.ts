/**
 * Deterministic ids: the events a command records get ids derived from the
 * stream, the command id and their index, so a command sent twice is recognised
 * by the store (and by `getEvents`) whoever sends it and whenever.
 * Web Crypto only: the same code runs in Node and in browsers.
 */
import { newEventId } from "@annals/sdk";

/** The namespace of the ids the toolkit derives (a fixed, random UUID). */
export const commandEventNamespace = "0d8f6c3e-8b1a-4e43-9a57-1c2b6f7d9e21";

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The latest ids `uuidV5` made, by namespace and name: a command's ids and the
 * former ids looked up beside them (`formerCommandEventIds`) hash the same names,
 * and each Web Crypto digest is a job on another thread (about 10 µs each, 16 per
 * command). Cleared when full.
 */
const recentV5 = new Map<string, Promise<string>>();
const maxRecentV5 = 1_024;

/** A name-based UUID (version 5, SHA-1, RFC 9562) of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): Promise<string> {
  const key = `${namespace}\u0000${name}`;
  let id = recentV5.get(key);
  if (id === undefined) {
    if (recentV5.size >= maxRecentV5) recentV5.clear();
    id = digestV5(name, namespace);
    // A failed digest is not kept: the next call tries again.
    id.catch(() => recentV5.delete(key));
    recentV5.set(key, id);
  }
  return id;
}

async function digestV5(name: string, namespace: string): Promise<string> {
  const namespaceBytes = hexToBytes(namespace.replace(/-/g, ""));
  const nameBytes = encoder.encode(name);
  const input = new Uint8Array(namespaceBytes.length + nameBytes.length);
  input.set(namespaceBytes);
  input.set(nameBytes, namespaceBytes.length);
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-1", input));
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}

const timeOrderedId = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * A name-based UUID that sorts by the time of the command it is derived for.
 * When `commandId` is a time-ordered (version 7) UUID, its 48-bit millisecond
 * timestamp comes first, then 74 bits of `uuidV5(name, namespace)`, as a
 * version 7 UUID: the ids of later commands sort after those of earlier ones,
 * so the store's unique index on event ids grows at its end (see
 * `npm run bench:rows`). For any other command id, `uuidV5(name, namespace)`.
 * Either way the same arguments always give the same id.
 */
export async function commandTimedUuid(name: string, namespace: string, commandId: string): Promise<string> {
  const named = await uuidV5(name, namespace);
  if (!timeOrderedId.test(commandId)) return named;
  const time = commandId.slice(0, 13).toLowerCase();
  return `${time}-7${named.slice(15)}`;
}

/**
 * A new command id: a time-ordered (version 7) UUID, so that the event ids the
 * command handler derives from it are time-ordered too (`commandTimedUuid`).
 */
export function newCommandId(): string {
  return newEventId();
}

/** How the id of the `index`-th event of a command derives from the stream and the command id. */
export type CommandEventIds = (stream: string, commandId: string, index: number) => string | Promise<string>;

/** A derivation and the one before it, for the command handler's `eventIds` and `formerEventIds`. */
export interface CommandEventIdDerivations {
  /** `commandTimedUuid` of `[key, commandId, index]`: time-ordered for a time-ordered command id, UUIDv5 otherwise. */
  eventIds(stream: string, commandId: string, index: number): Promise<string>;
  /** UUIDv5 of the same name, whatever the command id: the ids before time-ordered ones. */
  formerEventIds(stream: string, commandId: string, index: number): Promise<string>;
}

/**
 * Command event ids named `[key, commandId, index]` in `namespace`, where the key is
 * the stream (default) or what `keyOf` makes of it (the bank: the account id).
 */
export function commandEventIdsIn(namespace: string, keyOf: (stream: string) => string = (stream) => stream): CommandEventIdDerivations {
  const nameOf = (stream: string, commandId: string, index: number) => JSON.stringify([keyOf(stream), commandId, index]);
  return {
    eventIds: (stream, commandId, index) => commandTimedUuid(nameOf(stream, commandId, index), namespace, commandId),
    formerEventIds: (stream, commandId, index) => uuidV5(nameOf(stream, commandId, index), namespace),
  };
}

const toolkitDerivations = commandEventIdsIn(commandEventNamespace);

/**
 * The default derivation: `commandTimedUuid` of `[stream, commandId, index]` in the
 * toolkit's namespace (time-ordered for a time-ordered command id, UUIDv5 otherwise).
 */
export const defaultCommandEventIds: CommandEventIds = toolkitDerivations.eventIds;

/**
 * The toolkit's derivation before `commandTimedUuid`: UUIDv5 of `[stream, commandId, index]`
 * in its namespace. The command handler still looks these ids up (`formerEventIds`),
 * so that a command recorded with them is recognised when it is sent again.
 */
export const formerCommandEventIds: CommandEventIds = toolkitDerivations.formerEventIds;

/**
 * A short digest of a command, stored with its events: a command id sent again
 * with a different command is told apart from a retry. Canonical JSON (bigints as
 * strings, object keys sorted) hashed with SHA-256, 32 hex digits.
 */
export async function commandFingerprint(command: unknown): Promise<string> {
  const canonical = JSON.stringify(command, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (value !== null && typeof value === "object" && !Array.isArray(value) && !(typeof (value as { toJSON?: unknown }).toJSON === "function")) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return value;
  });
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", encoder.encode(canonical ?? "undefined")));
  return Array.from(hash.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
