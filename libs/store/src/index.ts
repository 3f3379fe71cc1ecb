export type {
  AppendListener,
  AppendResult,
  Checkpoint,
  DeleteStreamOptions,
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
  ScavengeOptions,
  ScavengeProgress,
  SetCheckpointOptions,
  SetStreamMetadataOptions,
  StreamMetadata,
  StreamMetadataRecord,
  StreamInfo,
  StreamSummary,
} from "./event-store.js";
export { dataSubjectKey } from "./event-store.js";
export {
  DataSubjectError,
  InvalidInputError,
  LimitExceededError,
  StorageFullError,
  StoreError,
  StoreUnavailableError,
  StreamNotFoundError,
  StreamTombstonedError,
  WrongExpectedCheckpointError,
  WrongExpectedMetadataRevisionError,
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
export { onAbort } from "./subscriptions/on-abort.js";
export { contentTypes, defaultContentType, setOwn, utf8Length, validateStreamName, validateText } from "./validation.js";
export type { Dialect } from "./dialect/dialect.js";
export { createSqliteDialect, type SqliteDialect, type SqliteDriver, type SqliteOptions, type SqliteWriter } from "./dialect/sqlite.js";
export { sqlitePragmas } from "./dialect/sqlite-pragmas.js";
export { rowsPerInsert as sqliteRowsPerInsert } from "./sql/append-batch-sqlite.js";
export { appendLockKey, appendLockKeys, createPostgresDialect, postgresOrderings, type PostgresOptions, type PostgresOrdering } from "./dialect/postgres.js";
export { createKnexEventStore, maxEventIdsPerLookup, type KnexEventStoreOptions } from "./knex-event-store.js";
export { defaultDatabase, dialectFor, openEventStore, type OpenEventStoreOptions } from "./open-event-store.js";
