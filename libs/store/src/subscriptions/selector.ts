import { InvalidInputError } from "../errors.js";
import { defaultLimits } from "../limits.js";
import { validateStreamName, validateText } from "../validation.js";
import type { RecordedEvent } from "../event-store.js";

/** Narrows a subscription. Prefixes are case-sensitive. */
export interface SubscriptionFilter {
  /** An event passes when its type starts with one of these. Default: any type. */
  eventTypePrefixes?: readonly string[];
  /** ... and its stream name starts with one of these. Default: any stream. */
  streamPrefixes?: readonly string[];
}

/** What a subscription follows. */
export type SubscriptionTarget = { kind: "stream"; stream: string } | { kind: "category"; prefix: string } | { kind: "all" };

/**
 * A target and its filter reduced to the tests both the SQL reads and the live
 * path apply: every condition present must hold.
 */
export interface EventSelector {
  /** The one stream of a stream target. */
  stream?: string;
  /** The stream name starts with this (category targets). */
  category?: string;
  /** The stream name starts with one of these (none: any). */
  streamPrefixes: readonly string[];
  /** The event type starts with one of these (none: any). */
  typePrefixes: readonly string[];
}

const maxPrefixes = 100;
const maxPrefixLength = 256;

function validatePrefixes(prefixes: unknown, field: string): string[] {
  if (prefixes === undefined) return [];
  if (!Array.isArray(prefixes)) throw new InvalidInputError(field, "must be a list of strings");
  if (prefixes.length > maxPrefixes) throw new InvalidInputError(field, `at most ${maxPrefixes} prefixes`);
  return prefixes.map((prefix: unknown, index) => validateText(prefix, `${field}[${index}]`, 1, maxPrefixLength));
}

export function createSelector(target: SubscriptionTarget, filter: SubscriptionFilter = {}): EventSelector {
  const selector: EventSelector = {
    streamPrefixes: validatePrefixes(filter.streamPrefixes, "filter.stream_prefixes"),
    typePrefixes: validatePrefixes(filter.eventTypePrefixes, "filter.event_type_prefixes"),
  };
  switch (target.kind) {
    case "stream":
      // The same names every other operation takes: a subscription to a name no append can use is refused, not left waiting.
      return { ...selector, stream: validateStreamName(target.stream, defaultLimits) };
    case "category":
      return { ...selector, category: validateText(target.prefix, "category", 1, maxPrefixLength) };
    case "all":
      return selector;
    default:
      throw new InvalidInputError("target", "must be a stream, a category or $all");
  }
}

function startsWithAny(value: string, prefixes: readonly string[]): boolean {
  if (prefixes.length === 0) return true;
  for (const prefix of prefixes) if (value.startsWith(prefix)) return true;
  return false;
}

/** The live path's test; the SQL reads apply the same one (see `sql/read-subscription-page.ts`). */
export function selects(selector: EventSelector, event: RecordedEvent): boolean {
  if (selector.stream !== undefined && event.stream !== selector.stream) return false;
  if (selector.category !== undefined && !event.stream.startsWith(selector.category)) return false;
  return startsWithAny(event.stream, selector.streamPrefixes) && startsWithAny(event.type, selector.typePrefixes);
}
