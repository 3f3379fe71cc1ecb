import { randomUUID } from "node:crypto";
import { InvalidRequestError } from "./errors.js";

/** Request headers the account service reads for the audit trail. */
export const auditHeaders = {
  /** Who sends the command, until authentication exists. Default `anonymous`. */
  actor: "x-annals-actor",
  /** Ties together everything one business operation caused. Default: a new UUID per request. */
  correlationId: "x-annals-correlation-id",
  /** What caused the command (e.g. the id of an event a process reacted to). Default: the command id. */
  causationId: "x-annals-causation-id",
} as const;

/** Who and why, as the request tells it. */
export interface AuditContext {
  actor: string;
  correlationId: string;
  /** `undefined`: the command itself is the cause. */
  causationId: string | undefined;
  /** When the server received the request. */
  receivedAt: Date;
}

const maxHeaderLength = 256;
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

function header(headers: Headers, name: string): string | undefined {
  const value = headers.get(name)?.trim();
  if (value === undefined || value.length === 0) return undefined;
  if (value.length > maxHeaderLength || controlCharacters.test(value)) {
    throw new InvalidRequestError(name, `must be at most ${maxHeaderLength} characters without control characters`);
  }
  return value;
}

/** The audit context of a request, from its headers. */
export function auditContextFrom(headers: Headers, now: Date = new Date()): AuditContext {
  return {
    actor: header(headers, auditHeaders.actor) ?? "anonymous",
    correlationId: header(headers, auditHeaders.correlationId) ?? randomUUID(),
    causationId: header(headers, auditHeaders.causationId),
    receivedAt: now,
  };
}

/**
 * The metadata every event a command records carries:
 * `actor`, `command_id`, `command_type`, `correlation_id`, `causation_id`, `received_at` (ISO 8601).
 */
export function auditMetadata(context: AuditContext, commandId: string, commandType: string): Record<string, string> {
  return {
    actor: context.actor,
    command_id: commandId,
    command_type: commandType,
    correlation_id: context.correlationId,
    causation_id: context.causationId ?? commandId,
    received_at: context.receivedAt.toISOString(),
  };
}
