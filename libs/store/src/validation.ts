import { InvalidInputError, LimitExceededError } from "./errors.js";
import { newEventId } from "./event-ids.js";
import type { ExpectedRevision, ProposedEvent, StreamMetadata } from "./event-store.js";
import type { StoreLimits } from "./limits.js";

/** An event after validation: every field present, id in canonical lower case. */
export interface ValidEvent {
  id: string;
  type: string;
  data: Uint8Array;
  contentType: string;
  metadata: Record<string, string>;
  /** The store made the id (the event came without one): it is stored nowhere yet, so no lookup looks for it. */
  generated: boolean;
}

export const contentTypes = ["application/protobuf", "application/json"] as const;
export const defaultContentType = "application/protobuf";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;
// Half of a UTF-16 surrogate pair on its own: no UTF-8 can hold it, so it would be stored as U+FFFD, not as sent.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The refusal of text that could not be stored exactly as sent: a lone surrogate has no UTF-8 form. */
function loneSurrogateError(field: string): InvalidInputError {
  return new InvalidInputError(field, "is not well-formed Unicode (a lone surrogate)");
}

function refuseLoneSurrogates(value: string, field: string): void {
  if (loneSurrogate.test(value)) throw loneSurrogateError(field);
}
const eventTypePattern = /^[A-Za-z_][A-Za-z0-9_.\-/:]*$/;
const maxMetadataKeyLength = 128;

export function validateStreamName(stream: unknown, limits: StoreLimits, field = "stream"): string {
  if (typeof stream !== "string" || stream.length === 0) {
    throw new InvalidInputError(field, "must be a non-empty string");
  }
  if (stream.length > limits.maxStreamNameLength) {
    throw new InvalidInputError(field, `longer than ${limits.maxStreamNameLength} characters`);
  }
  if (controlCharacters.test(stream)) {
    throw new InvalidInputError(field, "contains control characters");
  }
  refuseLoneSurrogates(stream, field);
  if (stream.startsWith("$")) {
    throw new InvalidInputError(field, 'names starting with "$" are reserved');
  }
  return stream;
}

/** Longest piece of a client's input quoted in a refusal, characters. */
const maxQuotedLength = 64;

/**
 * A client's value as a refusal quotes it: cut at 64 characters. The message travels
 * back in a header (grpc-message) or trailer, and one that echoes a 70,000-character
 * id is larger than clients accept (Node's 64 KiB header list: the connection fails).
 */
function quoted(value: string): string {
  return value.length <= maxQuotedLength ? `"${value}"` : `"${value.slice(0, maxQuotedLength)}…" (${value.length} characters)`;
}

/** An event id as stored: a UUID in lower case. */
export function validateEventId(id: unknown, field = "id"): string {
  const lower = typeof id === "string" ? id.toLowerCase() : "";
  if (!uuidPattern.test(lower)) throw new InvalidInputError(field, `${quoted(String(id))} is not a UUID`);
  return lower;
}

export function validateExpectedRevision(expected: unknown): ExpectedRevision {
  if (expected === "any" || expected === "no_stream" || expected === "stream_exists") return expected;
  if (typeof expected === "number" && Number.isSafeInteger(expected) && expected >= 0) return expected;
  throw new InvalidInputError("expectedRevision", `must be any, no_stream, stream_exists or a revision >= 0`);
}

export function validateRevision(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(field, "must be an integer >= 0");
  }
  return value;
}

/** The path of an event's field, for a refusal: built only then, not per valid event. */
function eventField(index: number, field: string): string {
  return `events[${index}].${field}`;
}

/** Validates a whole append and fills in the defaults (ids, content type, metadata). */
export function validateEvents(events: readonly ProposedEvent[], limits: StoreLimits): ValidEvent[] {
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidInputError("events", "an append needs at least one event");
  }
  if (events.length > limits.maxEventsPerAppend) {
    throw new LimitExceededError("events", `${events.length} events exceed the limit of ${limits.maxEventsPerAppend} per append`);
  }
  let bytes = 0;
  const seen = new Set<string>();
  const valid = events.map((event, index): ValidEvent => {
    // An event sent without an id gets a fresh time-ordered one (`event-ids.ts`), which
    // needs no check: it is a UUID, and no other event has it.
    const generated = !event.id;
    const id = generated ? newEventId() : event.id.toLowerCase();
    if (!generated) {
      if (!uuidPattern.test(id)) throw new InvalidInputError(eventField(index, "id"), `${quoted(String(event.id))} is not a UUID`);
      if (seen.has(id)) throw new InvalidInputError(eventField(index, "id"), `${id} appears twice in the append`);
      seen.add(id);
    }
    const type = event.type;
    if (typeof type !== "string" || type.length === 0) throw new InvalidInputError(eventField(index, "type"), "must be a non-empty string");
    if (type.length > limits.maxEventTypeLength) {
      throw new InvalidInputError(eventField(index, "type"), `longer than ${limits.maxEventTypeLength} characters`);
    }
    if (!eventTypePattern.test(type)) {
      throw new InvalidInputError(eventField(index, "type"), "may hold only letters, digits and . _ - / :, starting with a letter or _");
    }
    if (!(event.data instanceof Uint8Array)) throw new InvalidInputError(eventField(index, "data"), "must be bytes");
    const contentType = event.contentType || defaultContentType;
    if (contentType !== contentTypes[0] && contentType !== contentTypes[1]) {
      throw new InvalidInputError(eventField(index, "contentType"), `must be one of ${contentTypes.join(", ")}`);
    }
    const metadata: Record<string, string> = {};
    const source: Record<string, unknown> = event.metadata ?? {};
    let entries = 0;
    // The own enumerable string keys, in order, as `Object.entries` lists them, without its array of pairs.
    for (const key in source) {
      if (!Object.hasOwn(source, key)) continue;
      const value = source[key];
      if (key.length === 0 || key.length > maxMetadataKeyLength || controlCharacters.test(key)) {
        throw new InvalidInputError(eventField(index, "metadata"), `key ${quoted(key)} must be 1..${maxMetadataKeyLength} characters without control characters`);
      }
      if (typeof value !== "string") throw new InvalidInputError(eventField(index, `metadata.${key}`), "must be a string");
      if (loneSurrogate.test(key)) throw loneSurrogateError(eventField(index, "metadata"));
      if (loneSurrogate.test(value)) throw loneSurrogateError(eventField(index, `metadata.${key}`));
      entries += 1;
      if (entries > limits.maxMetadataEntries) {
        throw new LimitExceededError(eventField(index, "metadata"), `more than ${limits.maxMetadataEntries} metadata entries in one event`);
      }
      setOwn(metadata, key, value);
      bytes += utf8Length(key) + utf8Length(value) + metadataEntryOverhead;
    }
    bytes += event.data.byteLength + utf8Length(type);
    return { id, type, data: event.data, contentType, metadata, generated };
  });
  if (bytes > limits.maxAppendBytes) {
    throw new LimitExceededError("events", `${bytes} bytes of data, types and metadata exceed the limit of ${limits.maxAppendBytes} per append`);
  }
  return valid;
}

/**
 * What a metadata entry counts towards the append's byte limit besides its key and
 * value: about what it takes on the wire (its tags and lengths), so that the limit
 * also bounds what an event weighs when it is read back.
 */
export const metadataEntryOverhead = 8;

/** The UTF-8 length of a string: what the limits count. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * Sets `key` as an own, enumerable property, whatever its name: a plain
 * assignment of "__proto__" would change the object's prototype and lose the entry.
 */
export function setOwn(target: Record<string, string>, key: string, value: string): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A name, prefix or other text bound for SQL: `minLength`..`maxLength` characters, no control characters (NUL included, which PostgreSQL refuses). */
export function validateText(value: unknown, field: string, minLength: number, maxLength: number): string {
  if (typeof value !== "string" || value.length < minLength || value.length > maxLength) {
    throw new InvalidInputError(field, minLength === 0 ? `must be at most ${maxLength} characters` : `must be ${minLength} to ${maxLength} characters`);
  }
  if (controlCharacters.test(value)) throw new InvalidInputError(field, "contains control characters");
  refuseLoneSurrogates(value, field);
  return value;
}

/** A checkpoint name: 1 to 256 characters without control characters. */
export function validateCheckpointName(name: unknown, field = "name"): string {
  return validateText(name, field, 1, 256);
}

/** Most custom metadata entries of a stream, and longest key and value. */
const maxStreamMetadataEntries = 128;
const maxStreamMetadataValueLength = 4_096;

/** A positive whole number (at least 1) or absent. */
function optionalCount(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new InvalidInputError(field, "must be a whole number >= 1");
  return value;
}

/** A stream's metadata as `setStreamMetadata` takes it: counts and ages at least 1, a revision >= 0, string entries. */
export function validateStreamMetadata(metadata: unknown): StreamMetadata {
  if (metadata === null || typeof metadata !== "object") throw new InvalidInputError("metadata", "must be an object");
  const source = metadata as Record<string, unknown>;
  const valid: StreamMetadata = {};
  const maxCount = optionalCount(source["maxCount"], "max_count");
  const maxAgeSeconds = optionalCount(source["maxAgeSeconds"], "max_age");
  if (maxCount !== undefined) valid.maxCount = maxCount;
  if (maxAgeSeconds !== undefined) valid.maxAgeSeconds = maxAgeSeconds;
  if (source["truncateBefore"] !== undefined) valid.truncateBefore = validateRevision(source["truncateBefore"] as number, "truncate_before");
  const custom: Record<string, string> = {};
  const entries = (source["custom"] ?? {}) as Record<string, unknown>;
  if (typeof entries !== "object" || entries === null) throw new InvalidInputError("custom", "must be a map of strings");
  let count = 0;
  for (const key in entries) {
    if (!Object.hasOwn(entries, key)) continue;
    const value = entries[key];
    if (key.length === 0 || key.length > maxMetadataKeyLength || controlCharacters.test(key)) {
      throw new InvalidInputError("custom", `key ${quoted(key)} must be 1..${maxMetadataKeyLength} characters without control characters`);
    }
    if (typeof value !== "string" || value.length > maxStreamMetadataValueLength) throw new InvalidInputError(`custom.${key}`, `must be a string of at most ${maxStreamMetadataValueLength} characters`);
    count += 1;
    if (count > maxStreamMetadataEntries) throw new InvalidInputError("custom", `more than ${maxStreamMetadataEntries} entries`);
    setOwn(custom, key, value);
  }
  if (count > 0) valid.custom = custom;
  return valid;
}
