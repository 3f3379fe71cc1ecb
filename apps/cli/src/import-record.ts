import type { RawEvent } from "@annals/sdk";
import { UsageError } from "./errors.js";
import { toRawEvent } from "./event-json.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One line of an export: an event with its stream and revision, or a named checkpoint. */
export type ExportLine = { kind: "event"; stream: string; revision: number; event: RawEvent } | { kind: "checkpoint"; name: string };

/** Reads one NDJSON line of an export (`annals export`, or `annals read --json`). */
export function parseExportLine(line: string, where: string): ExportLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new UsageError(`${where}: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UsageError(`${where}: not a JSON object`);
  const record = value as Record<string, unknown>;
  if (record["checkpoint"] !== undefined) {
    if (typeof record["checkpoint"] !== "string" || record["checkpoint"].length === 0) throw new UsageError(`${where}: "checkpoint" must be a non-empty string`);
    return { kind: "checkpoint", name: record["checkpoint"] };
  }
  if (typeof record["stream"] !== "string" || record["stream"].length === 0) throw new UsageError(`${where}: "stream" must be a non-empty string`);
  const revision = record["revision"];
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 0) throw new UsageError(`${where}: "revision" must be a whole number`);
  if (typeof record["id"] !== "string" || !uuid.test(record["id"])) {
    throw new UsageError(`${where}: "id" must be the event's UUID (it makes a re-run skip what is stored)`);
  }
  // An export line carries `data`; a `read --json` line may carry the decoded `json` as well.
  const { id, type, data, json, contentType, metadata } = record;
  const event = toRawEvent(data === undefined ? { id, type, json, contentType, metadata } : { id, type, data, contentType, metadata }, where);
  return { kind: "event", stream: record["stream"], revision, event };
}
