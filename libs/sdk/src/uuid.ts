/** What `randomUuid` needs of Web Crypto. */
export interface RandomSource {
  randomUUID?: () => string;
  getRandomValues<T extends Uint8Array>(array: T): T;
}

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/**
 * A random (version 4) UUID from Web Crypto, in Node ≥ 20 and in browsers.
 * Browsers offer `crypto.randomUUID` only in secure contexts (HTTPS, localhost);
 * elsewhere it is built from `crypto.getRandomValues`, which they always offer.
 */
export function randomUuid(): string {
  return uuidFrom((globalThis as { crypto?: RandomSource }).crypto);
}

/** A version 4 UUID from `source` (`randomUuid` with Web Crypto given). */
export function uuidFrom(source: RandomSource | undefined): string {
  if (source === undefined) throw new Error("no Web Crypto (globalThis.crypto) to generate event ids: pass an id with each event");
  if (typeof source.randomUUID === "function") return source.randomUUID();
  const bytes = source.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = Array.from(bytes, (byte) => hex[byte]!);
  return `${h.slice(0, 4).join("")}-${h.slice(4, 6).join("")}-${h.slice(6, 8).join("")}-${h.slice(8, 10).join("")}-${h.slice(10).join("")}`;
}
