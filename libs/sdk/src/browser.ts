// The SDK's browser entry (package.json `exports`, conditions `browser` and
// `default`): the API of the Node entry over `fetch` (Connect or gRPC-Web),
// with no Node module anywhere in its imports.
export { createAnnalsClient, type AnnalsClientOptions } from "./browser-client.js";
export {
  type AnnalsClient,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type CheckpointsPage,
  type ClientOptions,
  type ListStreamsOptions,
  type NamedCheckpoint,
  type PageOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ReadStreamPageOptions,
  type StreamPage,
  type StreamState,
  type StreamSummary,
  type StreamsPage,
} from "./client.js";
export { protoEvent, isEventOf, type EventInput, type EventOptions, type RawEvent, type ResolvedEvent, type TypedEvent } from "./events.js";
export type { ExpectedRevision } from "./expected-revision.js";
export { newEventId } from "./uuid.js";
export type { ReconnectOptions, SubscribeOptions, Subscription, SubscriptionTarget } from "./subscription.js";
export { AnnalsError, WrongExpectedRevisionError, isWrongExpectedRevisionError } from "./errors.js";
export { Code } from "@connectrpc/connect";
