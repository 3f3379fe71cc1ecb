// The SDK's Node entry (package.json `exports`, condition `node`); `browser.ts` is
// the same API over `fetch` for browsers and other runtimes.
export { createAnnalsClient, type AnnalsClientOptions } from "./node-client.js";
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
  type SetCheckpointOptions,
  type StreamPage,
  type StreamState,
  type StreamSummary,
  type StreamsPage,
} from "./client.js";
export type {
  DeleteStreamOptions,
  LifecycleCalls,
  ScavengeOptions,
  ScavengeProgress,
  SetStreamMetadataOptions,
  StreamMetadata,
  StreamMetadataState,
} from "./lifecycle.js";
export { protoEvent, isEventOf, type EventInput, type EventOptions, type RawEvent, type ResolvedEvent, type TypedEvent } from "./events.js";
export type { ExpectedRevision } from "./expected-revision.js";
export { newEventId } from "./uuid.js";
export type { ReconnectOptions, SubscribeOptions, Subscription, SubscriptionTarget } from "./subscription.js";
export type { ReceiveWindow } from "./session-manager.js";
export {
  AnnalsError,
  DataSubjectRefusedError,
  StreamNotFoundError,
  StreamTombstonedError,
  WrongExpectedCheckpointError,
  WrongExpectedMetadataRevisionError,
  WrongExpectedRevisionError,
  fromCallError,
  isWrongExpectedRevisionError,
} from "./errors.js";
export { Code } from "@connectrpc/connect";
