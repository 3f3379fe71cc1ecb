/**
 * The pragmas every SQLite connection of the store runs with (the writer pool's, the
 * synchronous reader's, the writer thread's): WAL, the configured `synchronous`,
 * temporary tables in memory, a 64 MiB page cache, and deleted content overwritten
 * (`secure_delete`: scavenged and forgotten events leave no bytes behind). Only the
 * lock wait differs: the caller's.
 */
export function sqlitePragmas(synchronous: string, busyTimeoutMs: number): string[] {
  return ["journal_mode = WAL", `synchronous = ${synchronous}`, `busy_timeout = ${busyTimeoutMs}`, "temp_store = MEMORY", "cache_size = -65536", "secure_delete = ON"];
}
