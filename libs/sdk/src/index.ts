export {
  createAnnalsClient,
  type AnnalsClient,
  type AnnalsClientOptions,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type ListStreamsOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SetCheckpointOptions,
  type StreamState,
  type StreamSummary,
} from "./client.js";
export { protoEvent, isEventOf, type EventInput, type EventOptions, type RawEvent, type ResolvedEvent, type TypedEvent } from "./events.js";
export type { ExpectedRevision } from "./expected-revision.js";
export type { ReconnectOptions, SubscribeOptions, Subscription, SubscriptionTarget } from "./subscription.js";
export type { ReceiveWindow } from "./session-manager.js";
export { AnnalsError, WrongExpectedCheckpointError, WrongExpectedRevisionError, fromCallError, isWrongExpectedRevisionError } from "./errors.js";
export { Code } from "@connectrpc/connect";
