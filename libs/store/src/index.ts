export type {
  AppendListener,
  AppendResult,
  Direction,
  EventStore,
  ExpectedRevision,
  ProposedEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamInfo,
} from "./event-store.js";
export {
  InvalidInputError,
  LimitExceededError,
  StoreError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
  isStoreError,
} from "./errors.js";
export { defaultLimits, type StoreLimits } from "./limits.js";
export { contentTypes, defaultContentType } from "./validation.js";
export type { Dialect } from "./dialect/dialect.js";
export { createSqliteDialect, type SqliteDriver, type SqliteOptions } from "./dialect/sqlite.js";
export { createPostgresDialect, type PostgresOptions } from "./dialect/postgres.js";
export { createKnexEventStore, type KnexEventStoreOptions } from "./knex-event-store.js";
export { defaultDatabase, dialectFor, openEventStore, type OpenEventStoreOptions } from "./open-event-store.js";
