// The SDK's Node entry (package.json `exports`, condition `node`); `browser.ts` is
// the same API over `fetch` for browsers and other runtimes.
export { createAnnalsClient, type AnnalsClientOptions } from "./node-client.js";
export {
  type AnnalsClient,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type ClientOptions,
  type ListStreamsOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StreamState,
  type StreamSummary,
} from "./client.js";
export { protoEvent, isEventOf, type EventInput, type EventOptions, type RawEvent, type ResolvedEvent, type TypedEvent } from "./events.js";
export type { ExpectedRevision } from "./expected-revision.js";
export type { ReconnectOptions, SubscribeOptions, Subscription, SubscriptionTarget } from "./subscription.js";
export type { ReceiveWindow } from "./session-manager.js";
export { AnnalsError, WrongExpectedRevisionError, isWrongExpectedRevisionError } from "./errors.js";
export {
  createBankClient,
  type AccountsPage,
  type BankClient,
  type BankClientOptions,
  type CommandOptions,
  type CommandOutcome,
  type GetAccountOptions,
  type GetHistoryOptions,
} from "./bank-client.js";
export { Code } from "@connectrpc/connect";
