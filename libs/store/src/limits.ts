/** Bounds the store enforces on every append. */
export interface StoreLimits {
  /** Most events in one append. Default 10,000. */
  maxEventsPerAppend: number;
  /**
   * Most bytes of data, types and metadata in one append, in UTF-8, each metadata
   * entry counting 8 bytes besides its key and value. Default 4 MiB − 16 KiB, so that
   * every event reads back in one message under 4 MiB (the default receive limit of
   * gRPC clients).
   */
  maxAppendBytes: number;
  /** Most metadata entries in one event. Default 128. */
  maxMetadataEntries: number;
  /** Longest stream name, in characters. Default 256. */
  maxStreamNameLength: number;
  /** Longest event type, in characters. Default 256. */
  maxEventTypeLength: number;
}

export const defaultLimits: StoreLimits = {
  maxEventsPerAppend: 10_000,
  maxAppendBytes: 4 * 1024 * 1024 - 16 * 1024,
  maxMetadataEntries: 128,
  maxStreamNameLength: 256,
  maxEventTypeLength: 256,
};
