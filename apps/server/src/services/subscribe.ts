import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  InvalidInputError,
  StoreUnavailableError,
  type EventStore as Store,
  type RecordedEvent,
  type SubscribeOptions,
  type SubscriptionMessage,
} from "@annals/store";
import {
  SubscribeResponseSchema,
  SubscribeResponse_EventsSchema,
  type SubscribeRequest,
  type SubscribeResponse,
} from "@annals/protocol";
import { batchesOf, isBinaryCall } from "../event-batches.js";
import type { SubscriptionMetrics } from "../ops/metrics.js";
import { toSafeNumber } from "../wire.js";
import { endedBySignal } from "./call-ended.js";

export interface SubscribeHandlerOptions {
  store: Store;
  /** Most payload bytes packed into one response. */
  maxBatchBytes: number;
  /** Aborted when the server shuts down: the call then ends with UNAVAILABLE, so that clients resubscribe elsewhere or later. */
  shutdownSignal?: AbortSignal;
  metrics?: SubscriptionMetrics;
}

function fromWireTarget(target: SubscribeRequest["target"]): SubscribeOptions["target"] {
  switch (target.case) {
    case "stream":
      return { kind: "stream", stream: target.value };
    case "category":
      return { kind: "category", prefix: target.value };
    case "all":
      return { kind: "all" };
    default:
      throw new InvalidInputError("target", "required: a stream, a category or all");
  }
}

function fromWireStart(from: SubscribeRequest["from"]): NonNullable<SubscribeOptions["from"]> {
  switch (from.case) {
    case "afterRevision":
      return { afterRevision: toSafeNumber(from.value, "after_revision") };
    case "afterPosition":
      return { afterPosition: toSafeNumber(from.value, "after_position") };
    case "end":
      return "end";
    default:
      return "start";
  }
}

export function fromWireSubscribeRequest(request: SubscribeRequest): Omit<SubscribeOptions, "signal"> {
  const options: Omit<SubscribeOptions, "signal"> = {
    target: fromWireTarget(request.target),
    from: fromWireStart(request.from),
    checkpointEveryEvents: request.checkpointEveryEvents,
    checkpointEveryMs: request.checkpointEveryMs,
  };
  if (request.filter) options.filter = { eventTypePrefixes: request.filter.eventTypePrefixes, streamPrefixes: request.filter.streamPrefixes };
  return options;
}

function marker(message: Exclude<SubscriptionMessage, { kind: "events" }>): SubscribeResponse {
  switch (message.kind) {
    case "caught-up":
      return create(SubscribeResponseSchema, {
        kind: {
          case: "caughtUp",
          value: {
            position: BigInt(message.position),
            revision: message.revision !== undefined && message.revision >= 0 ? BigInt(message.revision) : undefined,
          },
        },
      });
    case "checkpoint":
      return create(SubscribeResponseSchema, { kind: { case: "checkpoint", value: { position: BigInt(message.position) } } });
    case "fell-behind":
      return create(SubscribeResponseSchema, { kind: { case: "fellBehind", value: { position: BigInt(message.position) } } });
  }
}

/**
 * Responses by the events they carry. Live, every subscriber of `$all` gets the
 * same array of events from a commit (see the store's subscription): the
 * response is built, and its events encoded, once for all of them.
 */
const responses = { binary: new WeakMap<readonly RecordedEvent[], SubscribeResponse>(), json: new WeakMap<readonly RecordedEvent[], SubscribeResponse>() };

/**
 * The responses carrying `events`, at most `maxBytes` each. Events that fit one
 * response are the ones another subscriber may be given as the same array: that
 * response is kept for them, and found again without measuring the events.
 */
function* eventsResponses(events: readonly RecordedEvent[], maxBytes: number, binary: boolean): Generator<SubscribeResponse> {
  const cache = binary ? responses.binary : responses.json;
  const cached = cache.get(events);
  if (cached !== undefined) {
    yield cached;
    return;
  }
  for (const batch of batchesOf(events, maxBytes, binary)) {
    const response = create(SubscribeResponseSchema, { kind: { case: "events", value: batch.message(SubscribeResponse_EventsSchema) } });
    if (batch.events === events) cache.set(events, response);
    yield response;
  }
}

/**
 * The Subscribe call: the store's subscription, batched by bytes. Connect pulls
 * the next response only once the previous one is written (HTTP/2 flow
 * control), so a slow client slows the subscription down instead of piling up
 * responses. Ends when the client cancels (the context's signal) or the server
 * shuts down.
 */
export async function* subscribe(request: SubscribeRequest, context: HandlerContext, options: SubscribeHandlerOptions): AsyncGenerator<SubscribeResponse> {
  const subscribeOptions = fromWireSubscribeRequest(request);
  // A tombstoned stream can never have another event: NOT_FOUND (StreamTombstoned), as its reads answer.
  if (subscribeOptions.target.kind === "stream") await options.store.getStream(subscribeOptions.target.stream);
  const subscription = options.store.subscribe({ ...subscribeOptions, signal: context.signal });
  const binary = isBinaryCall(context);
  const from = subscribeOptions.from;
  const tracker = options.metrics?.open(from === "end" ? undefined : typeof from === "object" && "afterPosition" in from ? from.afterPosition : 0);
  try {
    for await (const message of subscription) {
      if (message.kind !== "events") {
        tracker?.delivered(message.position);
        yield marker(message);
        continue;
      }
      yield* eventsResponses(message.events, options.maxBatchBytes, binary);
      tracker?.delivered(message.events[message.events.length - 1]!.position);
    }
  } finally {
    subscription.close();
    tracker?.close();
  }
  if (options.shutdownSignal?.aborted) throw new StoreUnavailableError("the server is shutting down: subscribe again after the last position received");
  // Ended by its deadline (or a cancel): say so. OK would tell the client the log is complete.
  if (context.signal.aborted) throw endedBySignal(context.signal);
}
