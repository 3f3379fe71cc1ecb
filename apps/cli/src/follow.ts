import type { AnnalsClient, ResolvedEvent } from "@annals/sdk";

export interface FollowOptions {
  /** One stream; the global log when absent. */
  stream?: string;
  /** First revision (stream) or position (global log) to show, inclusive. Default: only events appended from now on. */
  from?: bigint;
  signal: AbortSignal;
}

/**
 * Events of a stream or of the global log as they are appended, until `signal`
 * aborts: a live subscription (history from `from`, then the live tail), which
 * reconnects by itself after a server restart. Each event comes once, in order.
 */
export function follow(client: AnnalsClient, options: FollowOptions): AsyncIterable<ResolvedEvent> {
  const { stream, from, signal } = options;
  // The subscription's start is exclusive; `from` is inclusive.
  const start = from === undefined ? ("end" as const) : stream === undefined ? (from <= 1n ? ("start" as const) : { after: from - 1n }) : from === 0n ? ("start" as const) : { after: from - 1n };
  return stream === undefined ? client.subscribe({ all: true, from: start, signal }) : client.subscribe({ stream, from: start, signal });
}
