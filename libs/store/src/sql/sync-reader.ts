import type { Knex } from "knex";

/**
 * A read connection whose statements run synchronously (better-sqlite3): no pool to
 * wait on, each SQL text prepared once. Absent on the other backends, which read through knex.
 */
export interface SyncReader {
  /** The rows `sql` (with `?` placeholders) selects, as arrays of column values. */
  rows(sql: string, bindings: readonly unknown[]): unknown[][];
  /** The first row `sql` selects, as an object; `undefined` when none. */
  first(sql: string, bindings: readonly unknown[]): Record<string, unknown> | undefined;
  /** Runs `work` in one read transaction: all its statements see the same committed rows. */
  snapshot<T>(work: () => T): T;
}

/** Where reads run: the reader pool, and the synchronous reader where the backend has one (better-sqlite3). */
export interface Reads {
  readonly db: Knex;
  readonly sync?: SyncReader;
}

const compiled = new WeakMap<Knex, Map<string, string>>();

/**
 * The SQL of a query that knex builds (`build`) once per `shape` and per knex instance:
 * later calls only bind new values. The query is still defined once, in knex, where
 * its operation lives; `bindings` names its values in the order of its placeholders,
 * checked against knex's own the first time (a mismatch is a bug, never a wrong read).
 */
export function sqlOnce(db: Knex, shape: string, build: () => Knex.QueryBuilder | Knex.Raw, bindings: readonly unknown[]): string {
  let shapes = compiled.get(db);
  if (shapes === undefined) {
    shapes = new Map();
    compiled.set(db, shapes);
  }
  let sql = shapes.get(shape);
  if (sql === undefined) {
    const native = build().toSQL().toNative();
    const built = native.bindings as readonly unknown[];
    if (built.length !== bindings.length || built.some((value, index) => value !== bindings[index])) {
      throw new Error(`the bindings of ${shape} are not in the order its SQL takes them: ${JSON.stringify(built)} vs ${JSON.stringify(bindings)}`);
    }
    sql = native.sql;
    shapes.set(shape, sql);
  }
  return sql;
}
