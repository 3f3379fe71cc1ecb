import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProposedEvent } from "@annals/store";
import { v7 } from "uuid";

/** Every benchmark writes the same event: a small protobuf-sized payload, no metadata. */
export const eventType = "annals.bank.v1.MoneyDeposited";
export const payloadBytes = 64;
export const payload: Uint8Array = randomBytes(payloadBytes);

/** An event id as the SDKs make them: a time-ordered (version 7) UUID. */
export const eventId = (): string => v7();

export function proposedEvent(): ProposedEvent {
  return { id: eventId(), type: eventType, data: payload };
}

export function proposedEvents(count: number): ProposedEvent[] {
  return Array.from({ length: count }, proposedEvent);
}

/** A row of the store's `events` table, as the store itself writes it. */
export interface EventRow {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  data: Uint8Array;
  content_type: null;
  metadata: null;
  recorded_at: number;
}

/** Hands out contiguous positions and per-stream revisions, like the store does. */
export function createRowSource(firstPosition = 1) {
  let position = firstPosition;
  const revisions = new Map<string, number>();
  return {
    rows(stream: string, count: number): EventRow[] {
      const recordedAt = Date.now();
      let revision = revisions.get(stream) ?? 0;
      const rows = Array.from({ length: count }, (): EventRow => ({
        position: position++,
        stream,
        revision: revision++,
        id: eventId(),
        type: eventType,
        data: payload,
        content_type: null,
        metadata: null,
        recorded_at: recordedAt,
      }));
      revisions.set(stream, revision);
      return rows;
    },
  };
}

/** Where results and scratch databases go (gitignored). */
export const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

/**
 * A scratch folder for the databases, inside the project (so on the same disk as
 * `./data`, never a tmpfs where fsync would cost nothing).
 */
export function createScratch() {
  mkdirSync(resultsDir, { recursive: true });
  const root = mkdtempSync(join(resultsDir, "scratch-"));
  let next = 0;
  return {
    root,
    file(name: string): string {
      next += 1;
      return join(root, `${String(next).padStart(2, "0")}-${name}.db`);
    },
    remove(): void {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export type Scratch = ReturnType<typeof createScratch>;

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
