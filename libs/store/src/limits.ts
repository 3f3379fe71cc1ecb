/** Bounds the store enforces on every append. */
export interface StoreLimits {
  /** Most events in one append. Default 10,000. */
  maxEventsPerAppend: number;
  /** Most bytes of data and metadata in one append. Default 4 MiB. */
  maxAppendBytes: number;
  /** Longest stream name, in characters. Default 256. */
  maxStreamNameLength: number;
  /** Longest event type, in characters. Default 256. */
  maxEventTypeLength: number;
}

export const defaultLimits: StoreLimits = {
  maxEventsPerAppend: 10_000,
  maxAppendBytes: 4 * 1024 * 1024,
  maxStreamNameLength: 256,
  maxEventTypeLength: 256,
};
