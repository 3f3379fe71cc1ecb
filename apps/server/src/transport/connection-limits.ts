/**
 * What one client connection may hold and for how long. The defaults are the
 * server's settings (`config.ts` lists them with their flags); the reasons are
 * in the README ("Connections").
 */
export interface ConnectionLimits {
  /** A new connection shows its protocol, and an HTTP/1.1 request its complete headers, within this, ms. */
  headersTimeoutMs: number;
  /** A connection with no call in progress (no HTTP/2 stream open, no HTTP/1.1 request) for this long is closed, ms. */
  idleTimeoutMs: number;
  /** Interval between HTTP/2 PINGs, ms. */
  keepAliveIntervalMs: number;
  /** A PING not acknowledged within this means the peer is gone: the connection is closed, ms. */
  keepAliveTimeoutMs: number;
  /** Most connections open at once; the next ones are refused with a reason (HTTP/1.1 503, HTTP/2 GOAWAY). */
  maxConnections: number;
  /** Most HTTP/2 streams open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** Most streams a client may reset on one connection within 10 s; past that, GOAWAY ENHANCE_YOUR_CALM and close. */
  maxStreamResets: number;
}

export const defaultConnectionLimits: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  keepAliveIntervalMs: 30_000,
  keepAliveTimeoutMs: 10_000,
  maxConnections: 1_000,
  maxConcurrentStreams: 1_000,
  maxStreamResets: 500,
};

/** The window over which `maxStreamResets` counts, ms. */
export const streamResetWindowMs = 10_000;

/**
 * Stream resets as a token bucket: `limit` at once, refilled at `limit` per
 * window, so that a client cancelling now and then never meets it and a flood
 * of resets meets it within a fraction of a second.
 */
export function createResetBudget(limit: number, windowMs = streamResetWindowMs): { spend(): boolean } {
  let tokens = limit;
  let last = performance.now();
  return {
    spend() {
      const now = performance.now();
      tokens = Math.min(limit, tokens + ((now - last) * limit) / windowMs);
      last = now;
      tokens -= 1;
      return tokens >= 0;
    },
  };
}
