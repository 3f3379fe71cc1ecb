export {
  createAnnalsClient,
  type AnnalsClient,
  type AnnalsClientOptions,
  type AppendOptions,
  type AppendResult,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StreamState,
} from "./client.js";
export { protoEvent, isEventOf, type EventInput, type EventOptions, type RawEvent, type ResolvedEvent, type TypedEvent } from "./events.js";
export type { ExpectedRevision } from "./expected-revision.js";
export { AnnalsError, WrongExpectedRevisionError, isWrongExpectedRevisionError } from "./errors.js";
export { Code } from "@connectrpc/connect";
