/** `hpack` (RFC 7541) ships no types: the part of its API the load generator uses. */
declare module "hpack" {
  export default class HPACK {
    /** Encodes a header list; after `setTableSize`, the block starts with that table size update. */
    encode(headers: Array<[string, string]>): Buffer;
    /** Decodes one header block, keeping the dynamic table across calls. */
    decode(block: Buffer): Array<[string, string]>;
    setTableSize(size: number): void;
  }
}
