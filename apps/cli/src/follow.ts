import { setTimeout as sleep } from "node:timers/promises";
import type { AnnalsClient, ResolvedEvent } from "@annals/sdk";

export interface FollowOptions {
  /** One stream; the global log when absent. */
  stream?: string;
  /** First revision (stream) or position (global log) to show, inclusive. Default: only events appended from now on. */
  from?: bigint;
  /** Pause between two looks for new events, ms. */
  pollMs: number;
  signal: AbortSignal;
}

/**
 * Events of a stream or of the global log as they are appended, until `signal`
 * aborts: reads from a cursor, and when nothing new is there, waits `pollMs` and
 * reads again. Each event comes once, in order.
 */
export async function* follow(client: AnnalsClient, options: FollowOptions): AsyncGenerator<ResolvedEvent> {
  const { stream, signal } = options;
  let cursor: bigint | undefined = options.from;
  if (cursor === undefined) {
    if (stream === undefined) {
      cursor = 1n;
      for await (const last of client.readAll({ direction: "backwards", maxCount: 1, signal })) cursor = last.position + 1n;
    } else {
      const state = await client.getStream(stream, { signal });
      cursor = state ? state.lastRevision + 1n : 0n;
    }
  }
  while (!signal.aborted) {
    let seen = false;
    const events: AsyncIterable<ResolvedEvent> = stream === undefined ? client.readAll({ fromPosition: cursor, signal }) : client.readStream(stream, { fromRevision: cursor, signal });
    for await (const event of events) {
      seen = true;
      cursor = (stream === undefined ? event.position : event.revision) + 1n;
      yield event;
    }
    if (!seen) await sleep(options.pollMs, undefined, { signal }).catch(() => undefined);
  }
}
