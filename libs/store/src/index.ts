export type {
  AppendListener,
  AppendResult,
  Checkpoint,
  Direction,
  EventStore,
  ExpectedRevision,
  ListCheckpointsOptions,
  ListStreamsOptions,
  PoolStats,
  ProposedEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SetCheckpointOptions,
  StreamInfo,
  StreamSummary,
} from "./event-store.js";
export {
  InvalidInputError,
  LimitExceededError,
  StorageFullError,
  StoreError,
  StoreUnavailableError,
  WrongExpectedCheckpointError,
  WrongExpectedRevisionError,
  isStoreError,
} from "./errors.js";
export { defaultLimits, type StoreLimits } from "./limits.js";
export type {
  SubscribeOptions,
  Subscription,
  SubscriptionMessage,
  SubscriptionStart,
  SubscriptionStats,
} from "./subscriptions/subscription.js";
export type { SubscriptionFilter, SubscriptionTarget } from "./subscriptions/selector.js";
export { contentTypes, defaultContentType, setOwn, utf8Length, validateStreamName, validateText } from "./validation.js";
export type { Dialect } from "./dialect/dialect.js";
export { createSqliteDialect, type SqliteDriver, type SqliteOptions } from "./dialect/sqlite.js";
export { appendLockKey, appendLockKeys, createPostgresDialect, postgresOrderings, type PostgresOptions, type PostgresOrdering } from "./dialect/postgres.js";
export { createKnexEventStore, maxEventIdsPerLookup, type KnexEventStoreOptions } from "./knex-event-store.js";
export { defaultDatabase, dialectFor, openEventStore, type OpenEventStoreOptions } from "./open-event-store.js";
