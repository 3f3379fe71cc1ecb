/** Decodes `bytes[start, end)` as UTF-8. */
export type Utf8Slice = (start: number, end: number) => string;

/** The part of Node's `Buffer` a slice needs; absent in browsers. */
export interface BufferLike {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: "utf8", start: number, end: number): string };
}

const nodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
// Keeps a leading U+FEFF, as Buffer does: both paths give the same strings.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * UTF-8 slices of one byte array. Node's `Buffer` decodes the short strings of
 * an event (ids, names) about a quarter faster than `TextDecoder`, so it is used
 * where it exists; browsers get `TextDecoder`. Both give the same strings
 * (malformed bytes become U+FFFD).
 */
export function utf8Slices(bytes: Uint8Array, buffers: BufferLike | undefined = nodeBuffer): Utf8Slice {
  if (buffers !== undefined) {
    const buffer = buffers.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return (start, end) => buffer.toString("utf8", start, end);
  }
  return (start, end) => decoder.decode(bytes.subarray(start, end));
}
