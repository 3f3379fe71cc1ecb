export type { Decider, EventContext } from "./decider.js";
export { jsonEvents, protobufEvents, protobufState, type EncodedEvent, type EventCodec, type StateCodec } from "./codec.js";
export {
  commandEventIdsIn,
  commandEventNamespace,
  commandFingerprint,
  commandTimedUuid,
  defaultCommandEventIds,
  formerCommandEventIds,
  newCommandId,
  uuidV5,
  type CommandEventIdDerivations,
  type CommandEventIds,
} from "./command-ids.js";
export {
  commandMetadataKeys,
  createCommandHandler,
  type CommandHandler,
  type CommandHandlerOptions,
  type CommandResult,
  type HandleOptions,
} from "./command-handler.js";
export {
  contextOf,
  createStateLoader,
  defaultSnapshotEvery,
  type LoadedState,
  type LoadOptions,
  type SnapshotOptions,
  type StateLoader,
  type StateLoaderOptions,
} from "./state-loader.js";
export { createMemorySnapshotStore, type Snapshot, type SnapshotQuery, type SnapshotStore } from "./snapshots.js";
export {
  CommandIdReusedError,
  ConcurrencyConflictError,
  ToolkitError,
  UnreadableEventError,
  WrongExpectedVersionError,
  isToolkitError,
} from "./errors.js";
export { createKeyedLock, type KeyedLock } from "./keyed-lock.js";
