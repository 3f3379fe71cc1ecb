import { fromJson, toBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { RawEvent, ResolvedEvent } from "@annals/sdk";
import { UsageError } from "./errors.js";
import { knownTypes } from "./registry.js";

/**
 * An event as the CLI reads it:
 * - `{ "type": "...", "data": "<base64>" }`: bytes as they are (`contentType` optional), or
 * - `{ "type": "...", "json": { ... } }`: a known protobuf type is encoded as protobuf
 *   through the protobuf JSON mapping; any other type is stored as `application/json`.
 * `id` (a UUID, the idempotency key) and `metadata` (strings) are optional.
 */
export interface EventJson {
  id?: string;
  type: string;
  data?: string;
  json?: JsonValue;
  contentType?: string;
  metadata?: Record<string, string>;
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Events from text: a JSON array, one JSON object, or one object per line (NDJSON). */
export function parseEventsText(text: string, source: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new UsageError(`${source}: no events`);
  try {
    const whole = JSON.parse(trimmed) as unknown;
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    // Not one JSON document: NDJSON.
  }
  return trimmed
    .split("\n")
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (error) {
        throw new UsageError(`${source} line ${number}: not JSON (${(error as Error).message})`);
      }
    });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks one event of the input and encodes its payload. */
export function toRawEvent(value: unknown, where: string): RawEvent {
  if (!isRecord(value)) throw new UsageError(`${where}: an event must be a JSON object`);
  const { id, type, data, json, contentType, metadata } = value;
  if (typeof type !== "string" || type.length === 0) throw new UsageError(`${where}: "type" must be a non-empty string`);
  if (id !== undefined && typeof id !== "string") throw new UsageError(`${where}: "id" must be a string`);
  if (metadata !== undefined && (!isRecord(metadata) || Object.values(metadata).some((entry) => typeof entry !== "string"))) {
    throw new UsageError(`${where}: "metadata" must map strings to strings`);
  }
  if (contentType !== undefined && typeof contentType !== "string") throw new UsageError(`${where}: "contentType" must be a string`);
  const options = { ...(id ? { id } : {}), ...(metadata ? { metadata: metadata as Record<string, string> } : {}) };
  if ((data === undefined) === (json === undefined)) throw new UsageError(`${where}: give exactly one of "data" (base64) and "json"`);
  if (data !== undefined) {
    if (typeof data !== "string" || !base64.test(data)) throw new UsageError(`${where}: "data" must be base64`);
    // A Buffer is a Uint8Array: no copy.
    const event: RawEvent = { type, data: Buffer.from(data, "base64") };
    if (contentType) event.contentType = contentType;
    if (id) event.id = id;
    if (metadata) event.metadata = metadata as Record<string, string>;
    return event;
  }
  const schema = knownTypes.getMessage(type);
  if (schema && contentType !== "application/json") {
    try {
      const message = fromJson(schema, json as JsonValue, { registry: knownTypes });
      return { type, data: toBinary(schema, message), contentType: "application/protobuf", ...options };
    } catch (error) {
      throw new UsageError(`${where}: not a valid ${type}: ${(error as Error).message}`);
    }
  }
  return { type, data: new TextEncoder().encode(JSON.stringify(json)), contentType: "application/json", ...options };
}

/** The event's payload as JSON when it can be read: a known protobuf type, or JSON content. */
export function payloadJson(event: ResolvedEvent): JsonValue | undefined {
  try {
    if (event.message) {
      const schema = knownTypes.getMessage(event.type);
      if (schema) return toJson(schema, event.message, { registry: knownTypes });
    }
    if (event.contentType === "application/json") return JSON.parse(new TextDecoder().decode(event.data)) as JsonValue;
  } catch {
    // Undecodable: shown as bytes.
  }
  return undefined;
}

/**
 * An event as one line of NDJSON: everything it holds, the bytes in base64, so
 * that `annals import` restores it exactly. `withPayload` adds the decoded `json`.
 */
export function eventRecord(event: ResolvedEvent, withPayload: boolean) {
  const json = withPayload ? payloadJson(event) : undefined;
  return {
    id: event.id,
    stream: event.stream,
    revision: Number(event.revision),
    position: Number(event.position),
    type: event.type,
    contentType: event.contentType,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
    data: Buffer.from(event.data).toString("base64"),
    ...(json === undefined ? {} : { json }),
  };
}

export type EventRecord = ReturnType<typeof eventRecord>;
