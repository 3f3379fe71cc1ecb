import { StreamTombstonedError, WrongExpectedRevisionError } from "../errors.js";
import type { AppendResult, ExpectedRevision, RecordedEvent } from "../event-store.js";
import { recordedEvent, type AppendCommand, type BatchOutcome } from "../sql/append-plan.js";

/**
 * The messages between the store and its SQLite writer thread
 * (`sqlite-writer.ts` ↔ `sqlite-writer-thread.ts`). Only plain data crosses:
 * the events' bytes travel packed in one transferred buffer (a cloned view would
 * copy the whole buffer behind it, e.g. the request it was decoded from), and the
 * answer carries results, not the events back.
 */

/** What the thread is started with (`workerData`). */
export interface WriterThreadSetup {
  filename: string;
  synchronous: "FULL" | "NORMAL";
  /** The database file the store opened (device, inode): nothing is committed into another. */
  identity: { dev: number; ino: number } | undefined;
}

interface WireEvent {
  id: string;
  type: string;
  contentType: string;
  metadata: Record<string, string>;
  generated: boolean;
  /** Where the event's data lies in the request's `data`. */
  offset: number;
  length: number;
}

interface WireCommand {
  stream: string;
  expected: ExpectedRevision;
  events: WireEvent[];
}

/** One group commit for the thread to run. */
export interface WriterRequest {
  id: number;
  now: number;
  commands: WireCommand[];
  data: ArrayBuffer;
}

type WireResult =
  | AppendResult
  | { conflict: { stream: string; expected: ExpectedRevision; actual: number | undefined; message: string } }
  | { tombstoned: { stream: string } };

interface WireOutcome {
  recordedAt: number;
  results: WireResult[];
  /** The commands whose events the transaction stored (the others were replays or conflicts). */
  appended: number[];
  /** Some recorded event is hidden by its stream's metadata from the start. */
  hidden: boolean;
}

/** A database error, with the fields the dialect reads (`code`). */
export interface WireError {
  message: string;
  name: string;
  code?: string;
}

export type WriterReply = { id: number; outcome: WireOutcome } | { id: number; error: WireError };

export function encodeRequest(id: number, commands: readonly AppendCommand[], now: number): WriterRequest {
  let size = 0;
  for (const command of commands) for (const event of command.events) size += event.data.byteLength;
  const data = new Uint8Array(size);
  let offset = 0;
  const wire = commands.map((command) => ({
    stream: command.stream,
    expected: command.expected,
    events: command.events.map((event) => {
      data.set(event.data, offset);
      const entry = { id: event.id, type: event.type, contentType: event.contentType, metadata: event.metadata, generated: event.generated, offset, length: event.data.byteLength };
      offset += event.data.byteLength;
      return entry;
    }),
  }));
  return { id, now, commands: wire, data: data.buffer };
}

export function decodeCommands(request: WriterRequest): AppendCommand[] {
  return request.commands.map((command) => ({
    stream: command.stream,
    expected: command.expected,
    events: command.events.map((event) => ({
      id: event.id,
      type: event.type,
      contentType: event.contentType,
      metadata: event.metadata,
      generated: event.generated,
      data: Buffer.from(request.data, event.offset, event.length),
    })),
  }));
}

export function encodeOutcome(commands: readonly AppendCommand[], outcome: BatchOutcome): WireOutcome {
  const appended: number[] = [];
  // `recorded` holds the stored commands' events in command order: a command whose
  // first event is the next recorded one was stored, any other answer is a replay.
  let next = 0;
  const results = outcome.results.map((result, index): WireResult => {
    if (result instanceof WrongExpectedRevisionError) {
      return { conflict: { stream: result.stream, expected: result.expected, actual: result.actual, message: result.message } };
    }
    if (result instanceof StreamTombstonedError) return { tombstoned: { stream: result.stream } };
    const events = commands[index]!.events;
    if (events.length === 0 || outcome.recorded[next]?.id === events[0]!.id) {
      appended.push(index);
      next += events.length;
    }
    return result;
  });
  return { recordedAt: outcome.recordedAt, results, appended, hidden: outcome.hidden === true };
}

export function decodeOutcome(commands: readonly AppendCommand[], wire: WireOutcome): BatchOutcome {
  const results = wire.results.map((result) => {
    if ("tombstoned" in result) return new StreamTombstonedError(result.tombstoned.stream, "write");
    if (!("conflict" in result)) return result;
    const { stream, expected, actual, message } = result.conflict;
    const error = new WrongExpectedRevisionError(stream, expected, actual);
    error.message = message;
    return error;
  });
  const recorded: RecordedEvent[] = [];
  for (const index of wire.appended) {
    const command = commands[index]!;
    const result = results[index] as AppendResult;
    const events = command.events;
    // The answer names each stored command's last revision and position.
    const firstRevision = result.revision - events.length + 1;
    const firstPosition = result.position - events.length + 1;
    for (let offset = 0; offset < events.length; offset += 1) {
      recorded.push(recordedEvent(events[offset]!, command.stream, firstRevision + offset, firstPosition + offset, wire.recordedAt));
    }
  }
  return { results, recorded, recordedAt: wire.recordedAt, hidden: wire.hidden };
}

export function encodeError(error: unknown): WireError {
  if (!(error instanceof Error)) return { message: String(error), name: "Error" };
  const code = (error as { code?: unknown }).code;
  return { message: error.message, name: error.name, ...(typeof code === "string" ? { code } : {}) };
}

/** The thread's error as an `Error` the dialect recognises (`isUnavailable`, `isStorageFull` read `code`). */
export function decodeError(wire: WireError): Error {
  const error = new Error(wire.message) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  return error;
}
