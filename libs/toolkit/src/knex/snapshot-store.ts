import type { Knex } from "knex";
import type { Snapshot, SnapshotStore } from "../snapshots.js";

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
}

/** Snapshots in a table of the service's own database (SQLite or PostgreSQL through knex). */
export function createKnexSnapshotStore(db: Knex, options: KnexSnapshotStoreOptions = {}): KnexSnapshotStore {
  const table = options.table ?? "annals_snapshots";
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
      const select = db(table).select("stream", "version", "position", "recorded_at", "type", "state").where("stream", stream);
      if (query.atOrBelowVersion !== undefined) select.andWhere("version", "<=", Number(query.atOrBelowVersion));
      if (query.atOrBefore !== undefined) select.andWhere("recorded_at", "<=", query.atOrBefore.getTime());
      if (query.type !== undefined) select.andWhere("type", query.type);
      const row = (await select.orderBy("version", "desc").first()) as SnapshotRow | undefined;
      if (row === undefined) return undefined;
      const snapshot: Snapshot = {
        stream: row.stream,
        version: BigInt(row.version),
        position: BigInt(row.position),
        recordedAt: new Date(Number(row.recorded_at)),
        type: row.type,
        state: new Uint8Array(row.state),
      };
      return snapshot;
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
