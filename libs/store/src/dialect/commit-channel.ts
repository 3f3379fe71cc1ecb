import type { Notice } from "../sql/write-rows-postgres.js";

/**
 * How store instances in other processes learn of commits (PostgreSQL: LISTEN/NOTIFY).
 * Absent where one process owns the database (SQLite).
 */
export interface CommitChannel {
  /**
   * The NOTIFY that the write transaction sends with its rows: other instances hear,
   * once it commits, that the log reached `position` (a NOTIFY is delivered at
   * commit, so the events are readable by the time anyone hears of them).
   */
  notice(position: number): Notice;
  /**
   * Starts listening. `onPosition` gets the positions other instances committed, and
   * `onReconnect` is called after the channel was lost and is back (notices may have
   * been missed meanwhile: re-read from the database). Resolves with the stop function.
   */
  listen(onPosition: (position: number) => void, onReconnect: () => void): Promise<() => Promise<void>>;
}
