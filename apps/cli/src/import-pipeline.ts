import type { RawEvent } from "@annals/sdk";

/** One event of the input, at its revision in its stream. */
export interface ImportEvent {
  kind: "event";
  stream: string;
  revision: number;
  event: RawEvent;
  /** Bytes of input it came from, for the progress. */
  bytes: number;
  /** Its line in the input, for messages. */
  line: number;
}

/** A named checkpoint of the input: set once every event before it is stored. */
export interface ImportCheckpoint {
  kind: "checkpoint";
  name: string;
  bytes: number;
  line: number;
}

export type ImportItem = ImportEvent | ImportCheckpoint;

/** Consecutive revisions of one stream, appended together. */
export interface ImportBatch {
  stream: string;
  /** Revision of the first event. */
  first: number;
  events: RawEvent[];
  /** Input line of the first event, for messages. */
  line: number;
}

export interface ImportPipelineOptions {
  /** Appends in flight at once, each for another stream. */
  concurrency: number;
  /** Most events held at once: read ahead, waiting, or in flight. */
  window: number;
  /** Most bytes of events held at once. */
  windowBytes: number;
  /** Most events in one append. */
  batchSize: number;
  /** Most bytes of events in one append. */
  batchBytes: number;
  /**
   * One append at a time, of events consecutive in the input: the events are
   * stored in the input's order exactly (slow: an append per run of one stream).
   */
  keepOrder: boolean;
  /** Appends a batch at its exact revisions; resolves with the global position of its last event. */
  append(batch: ImportBatch): Promise<bigint>;
  /** Stores a checkpoint at `position`: the last position of the events before it, 0 when none. */
  checkpoint(name: string, position: bigint): Promise<void>;
  /** Called as batches are stored: input bytes and events stored so far. */
  onProgress?(bytes: number, events: number): void;
}

/** The events of one stream (or, keeping order, of one run of the input) waiting for their append. */
interface Lane {
  key: string;
  waiting: ImportEvent[];
  busy: boolean;
}

/** What an event weighs against the byte limits: its data and room for the rest. */
export const eventWeight = (item: ImportEvent) => item.event.data.byteLength + 256;

/**
 * Appends the input's events, many streams at once: each stream's events in
 * order, one append in flight per stream, consecutive revisions of a stream
 * together, at most `concurrency` appends in flight and `window` events held.
 * A checkpoint waits for every event before it, then is stored at the last
 * position they took. Stops at the first failure, once the appends in flight
 * have settled, and rejects with it.
 */
export async function runImportPipeline(items: AsyncIterable<ImportItem>, options: ImportPipelineOptions): Promise<void> {
  const concurrency = options.keepOrder ? 1 : options.concurrency;
  const lanes = new Map<string, Lane>();
  // Lanes with events waiting and no append in flight, oldest first.
  const ready: Lane[] = [];
  let held = 0;
  let heldBytes = 0;
  let inFlight = 0;
  let lastPosition = 0n;
  let storedBytes = 0;
  let storedEvents = 0;
  let failure: { error: unknown } | undefined;
  // Every event read so far must go out: the input ended, or a checkpoint waits for them.
  let flushing = false;
  let run = 0;
  let previousStream: string | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise<void>((resolve) => (wake = resolve));
  };

  function take(lane: Lane): { batch: ImportBatch; items: ImportEvent[] } {
    let bytes = 0;
    let count = 0;
    while (count < lane.waiting.length && count < options.batchSize) {
      const weight = eventWeight(lane.waiting[count]!);
      if (count > 0 && bytes + weight > options.batchBytes) break;
      bytes += weight;
      count += 1;
    }
    const items = lane.waiting.splice(0, count);
    const first = items[0]!;
    return { batch: { stream: first.stream, first: first.revision, events: items.map((item) => item.event), line: first.line }, items };
  }

  /**
   * Whether to send the oldest waiting lane now, or let it gather more events: it
   * waits while it is short of a full batch, other appends are in flight to keep
   * the server busy, and the reader can still add to it.
   */
  function sendNow(lane: Lane): boolean {
    return flushing || inFlight === 0 || lane.waiting.length >= options.batchSize || held >= options.window || heldBytes >= options.windowBytes;
  }

  function dispatch(): void {
    while (failure === undefined && inFlight < concurrency && ready.length > 0 && sendNow(ready[0]!)) {
      const lane = ready.shift()!;
      const { batch, items } = take(lane);
      lane.busy = true;
      inFlight += 1;
      options.append(batch).then(
        (position) => {
          inFlight -= 1;
          lane.busy = false;
          held -= items.length;
          for (const item of items) {
            heldBytes -= eventWeight(item);
            storedBytes += item.bytes;
          }
          storedEvents += items.length;
          if (position > lastPosition) lastPosition = position;
          options.onProgress?.(storedBytes, storedEvents);
          // What is left of a run goes first, so that the input's order holds.
          if (lane.waiting.length === 0) lanes.delete(lane.key);
          else if (options.keepOrder) ready.unshift(lane);
          else ready.push(lane);
          dispatch();
          notify();
        },
        (error: unknown) => {
          inFlight -= 1;
          failure ??= { error };
          notify();
        },
      );
    }
  }

  try {
    for await (const item of items) {
      if (failure) break;
      if (item.kind === "checkpoint") {
        flushing = true;
        dispatch();
        await until(() => failure !== undefined || held === 0);
        flushing = false;
        if (failure) break;
        await options.checkpoint(item.name, lastPosition);
        storedBytes += item.bytes;
        continue;
      }
      await until(() => failure !== undefined || (held < options.window && heldBytes < options.windowBytes));
      if (failure) break;
      if (item.stream !== previousStream) run += 1;
      previousStream = item.stream;
      const key = options.keepOrder ? String(run) : item.stream;
      let lane = lanes.get(key);
      if (!lane) {
        lane = { key, waiting: [], busy: false };
        lanes.set(key, lane);
      }
      lane.waiting.push(item);
      held += 1;
      heldBytes += eventWeight(item);
      if (!lane.busy && lane.waiting.length === 1) ready.push(lane);
      dispatch();
    }
  } catch (error) {
    failure ??= { error };
  }
  flushing = true;
  dispatch();
  await until(() => inFlight === 0 && (failure !== undefined || held === 0));
  if (failure) throw failure.error;
}
