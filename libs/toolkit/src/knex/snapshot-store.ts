import type { Knex } from "knex";
import type { Snapshot, SnapshotQuery, SnapshotStore } from "../snapshots.js";
import { openSqliteReadConnection } from "./sqlite-read-connection.js";

export interface KnexSnapshotStoreOptions {
  /** Default `annals_snapshots`. */
  table?: string;
}

interface SnapshotRow {
  stream: string;
  version: number | string;
  position: number | string;
  recorded_at: number | string;
  type: string;
  state: Uint8Array;
}

export interface KnexSnapshotStore extends SnapshotStore {
  /** Creates the table when missing. */
  setup(): Promise<void>;
  /** Closes the store's own read connection (SQLite files); the knex instance stays the caller's. */
  close(): void;
}

/** The values a snapshot query binds, in the order of its placeholders (checked against knex's once per shape). */
function latestBindings(stream: string, query: SnapshotQuery): unknown[] {
  const bindings: unknown[] = [stream];
  if (query.atOrBelowVersion !== undefined) bindings.push(Number(query.atOrBelowVersion));
  if (query.atOrBefore !== undefined) bindings.push(query.atOrBefore.getTime());
  if (query.type !== undefined) bindings.push(query.type);
  bindings.push(1);
  return bindings;
}

function toSnapshot(row: SnapshotRow): Snapshot {
  return {
    stream: row.stream,
    version: BigInt(row.version),
    position: BigInt(row.position),
    recordedAt: new Date(Number(row.recorded_at)),
    type: row.type,
    state: new Uint8Array(row.state),
  };
}

/** Snapshots in a table of the service's own database (SQLite or PostgreSQL through knex). */
export function createKnexSnapshotStore(db: Knex, options: KnexSnapshotStoreOptions = {}): KnexSnapshotStore {
  const table = options.table ?? "annals_snapshots";
  // SQLite files: loads run on a read connection of their own, each query shape's SQL built by knex once.
  const reader = openSqliteReadConnection(db);

  /** The latest snapshot of `stream` within `query`: the one query, whichever connection runs it. */
  function latest(stream: string, query: SnapshotQuery) {
    const select = db(table).select("stream", "version", "position", "recorded_at", "type", "state").where("stream", stream);
    if (query.atOrBelowVersion !== undefined) select.andWhere("version", "<=", Number(query.atOrBelowVersion));
    if (query.atOrBefore !== undefined) select.andWhere("recorded_at", "<=", query.atOrBefore.getTime());
    if (query.type !== undefined) select.andWhere("type", query.type);
    return select.orderBy("version", "desc").first();
  }

  return {
    async setup() {
      if (await db.schema.hasTable(table)) return;
      await db.schema
        .createTable(table, (columns) => {
          columns.string("stream", 256).notNullable();
          columns.bigInteger("version").notNullable();
          columns.bigInteger("position").notNullable();
          columns.bigInteger("recorded_at").notNullable();
          columns.string("type", 256).notNullable();
          columns.binary("state").notNullable();
          columns.primary(["stream", "version"]);
          columns.index(["stream", "recorded_at"]);
        })
        .catch(async (error: unknown) => {
          if (!(await db.schema.hasTable(table))) throw error;
        });
    },

    async load(stream, query = {}) {
      if (reader === undefined) {
        const row = (await latest(stream, query)) as SnapshotRow | undefined;
        return row === undefined ? undefined : toSnapshot(row);
      }
      const shape = `latest:${query.atOrBelowVersion !== undefined}:${query.atOrBefore !== undefined}:${query.type !== undefined}`;
      const row = (await reader.first(shape, () => latest(stream, query), latestBindings(stream, query))) as SnapshotRow | undefined;
      return row === undefined ? undefined : toSnapshot(row);
    },

    close() {
      reader?.close();
    },

    async save(snapshot) {
      await db(table)
        .insert({
          stream: snapshot.stream,
          version: Number(snapshot.version),
          position: Number(snapshot.position),
          recorded_at: snapshot.recordedAt.getTime(),
          type: snapshot.type,
          state: Buffer.from(snapshot.state.buffer, snapshot.state.byteOffset, snapshot.state.byteLength),
        })
        .onConflict(["stream", "version"])
        .merge(["position", "recorded_at", "type", "state"]);
    },
  };
}
