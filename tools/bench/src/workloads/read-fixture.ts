import type { SqliteDriver } from "@annals/store";
import { eventsPerBatch } from "../config.js";
import { openStore } from "../databases.js";
import { proposedEvents, type Scratch } from "../fixtures.js";

export const longStream = "long-stream";
/** Besides the long stream, the log holds this many short streams of 100 events. */
export const shortStreams = 250;

export interface ReadFixture {
  file: string;
  streamEvents: number;
  allEvents: number;
}

const built = new Map<string, Promise<ReadFixture>>();

/**
 * One database for every read benchmark: a stream of `streamEvents` events, then
 * 250 streams of 100 events (so `$all` holds more than the one stream). Written
 * through the store, once per run.
 */
export function readFixture(scratch: Scratch, driver: SqliteDriver, streamEvents: number): Promise<ReadFixture> {
  const key = `${driver}:${streamEvents}`;
  let fixture = built.get(key);
  if (!fixture) {
    fixture = (async () => {
      const file = scratch.file(`reads-${driver}`);
      const store = await openStore(file, driver);
      try {
        for (let written = 0; written < streamEvents; written += 10_000) {
          await store.appendToStream(longStream, proposedEvents(Math.min(10_000, streamEvents - written)));
        }
        await Promise.all(Array.from({ length: shortStreams }, (_, index) => store.appendToStream(`short-${index}`, proposedEvents(eventsPerBatch))));
      } finally {
        await store.close();
      }
      return { file, streamEvents, allEvents: streamEvents + shortStreams * eventsPerBatch };
    })();
    built.set(key, fixture);
  }
  return fixture;
}
