import { randomUUID } from "node:crypto";
import type { ProposedEvent, RecordedEvent } from "../event-store.js";

const encoder = new TextEncoder();

/** One event to append, with a fresh id and a JSON body. */
export function event(type = "test.Happened", body = "{}", extra: Partial<ProposedEvent> = {}): ProposedEvent {
  return { id: randomUUID(), type, data: encoder.encode(body), ...extra };
}

/** `count` events to append, numbered in their bodies. */
export function events(count: number, type = "test.Happened"): ProposedEvent[] {
  return Array.from({ length: count }, (_, index) => event(type, `{"n":${index}}`));
}

/** Every event of a read, its pages joined. */
export async function collect(pages: AsyncIterable<RecordedEvent[]>): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** What `promise` rejects with; throws when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, it resolved");
}
