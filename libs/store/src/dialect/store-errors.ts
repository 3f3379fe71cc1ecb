import { StorageFullError, StoreUnavailableError } from "../errors.js";
import type { Dialect } from "./dialect.js";

/**
 * What a database error means to a caller, in one place: the database unreachable
 * or unusable → `StoreUnavailableError`; out of room → `StorageFullError`; anything
 * else (a bug) unchanged. Every read and the write queue go through it.
 */
export function toStoreError(dialect: Dialect, error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (dialect.isStorageFull(error)) return new StorageFullError(`no room left for the database: ${message}`, { cause: error });
  if (dialect.isUnavailable(error)) return new StoreUnavailableError(`database unavailable: ${message}`, { cause: error });
  return error;
}
