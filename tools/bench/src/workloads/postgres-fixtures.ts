import { createPostgresDialect, openEventStore, type Dialect, type EventStore } from "@annals/store";
import { createThrowawaySchema, type ThrowawaySchema } from "@annals/store/testing-postgres";

/** How big each PostgreSQL benchmark is: `--quick` keeps the whole run near a minute. */
export interface PostgresBenchConfig {
  quick: boolean;
  warmupRounds: number;
  rounds: number;
  /** A round starts no new work after this long (the counts below are maxima), ms. */
  roundMs: number;
  warmupMs: number;
  /** Rows per round, one transaction per row. */
  txPerRowRows: number;
  /** Rows (or events) per round for 100-row transactions, multi-row inserts and 100-event appends. */
  batchEvents: number;
  /** Rows in the one big transaction of the bulk insert. */
  bulkRows: number;
  /** Concurrent writers of 100-row transactions (the "many instances" shape). */
  writers: number;
  /** Sequential single-event appends per round. */
  sequentialAppends: number;
  /** Concurrent callers of single-event appends, and appends per caller per round. */
  callers: number;
  appendsPerCaller: number;
  /** Store instances (connection pools) sharing one schema, for the scale-out rows. */
  instances: number;
  /** Events in the log that the `$all` catch-up reads. */
  catchUpEvents: number;
  /** Over gRPC: calls per round (bare HTTP/2 echo, Connect echo, server single-event and 100-event appends). */
  floorCalls: number;
  echoCalls: number;
  serverSingleCalls: number;
  serverBatchCalls: number;
  /** Calls in flight on the load generator's one HTTP/2 connection, single-event and 100-event appends. */
  inFlight: number;
  batchInFlight: number;
  /** The whole run stops (and cleans up) after this long, ms. */
  budgetMs: number;
}

export function postgresBenchConfig(quick: boolean): PostgresBenchConfig {
  const shared = { quick, warmupRounds: 1, writers: 8, callers: 64, instances: 4, inFlight: 64, batchInFlight: 16 };
  return quick
    ? {
        ...shared,
        rounds: 3,
        roundMs: 400,
        warmupMs: 200,
        txPerRowRows: 500,
        batchEvents: 20_000,
        bulkRows: 20_000,
        sequentialAppends: 400,
        appendsPerCaller: 30,
        catchUpEvents: 100_000,
        floorCalls: 10_000,
        echoCalls: 3_000,
        serverSingleCalls: 3_000,
        serverBatchCalls: 150,
        budgetMs: 150_000,
      }
    : {
        ...shared,
        rounds: 5,
        roundMs: 3_000,
        warmupMs: 1_000,
        txPerRowRows: 3_000,
        batchEvents: 100_000,
        bulkRows: 100_000,
        sequentialAppends: 2_000,
        appendsPerCaller: 150,
        catchUpEvents: 200_000,
        floorCalls: 40_000,
        echoCalls: 10_000,
        serverSingleCalls: 10_000,
        serverBatchCalls: 1_000,
        budgetMs: 600_000,
      };
}

/** Everything the run created, so that a timeout or Ctrl-C still drops it. */
export interface PostgresScratch {
  /** The database every throwaway schema lives in. */
  readonly url: string;
  /** A fresh schema holding the store's tables (migrated through the store, then closed). */
  schema(): Promise<ThrowawaySchema>;
  /** The store exactly as the server opens it, on `schema`. */
  openStore(schema: ThrowawaySchema, poolSize?: number): Promise<EventStore>;
  /** The database URL naming `schema` (`?schema=`), as the server is given it. */
  schemaUrl(schema: ThrowawaySchema): string;
  /** Plain knex on `schema` (no store logic), `poolSize` connections. */
  openRaw(schema: ThrowawaySchema, poolSize: number): Dialect;
  /** Closes what is still open and drops every schema. */
  cleanup(): Promise<void>;
}

export function createPostgresScratch(url: string): PostgresScratch {
  const schemas = new Set<ThrowawaySchema>();
  const closers = new Set<() => Promise<void>>();
  const track = <T extends { close(): Promise<void> }>(resource: T): T => {
    const close = resource.close.bind(resource);
    const closer = () => close().catch(() => undefined);
    closers.add(closer);
    resource.close = async () => {
      closers.delete(closer);
      await close();
    };
    return resource;
  };
  return {
    url,
    async schema() {
      const schema = await createThrowawaySchema({ url });
      schemas.add(schema);
      const store = await openEventStore({ database: url, postgresSchema: schema.schema, postgresPoolSize: 1 });
      await store.close();
      return schema;
    },
    async openStore(schema, poolSize = 10) {
      return track(await openEventStore({ database: url, postgresSchema: schema.schema, postgresPoolSize: poolSize }));
    },
    schemaUrl(schema) {
      return `${url}${url.includes("?") ? "&" : "?"}schema=${encodeURIComponent(schema.schema)}`;
    },
    openRaw(schema, poolSize) {
      return track(createPostgresDialect({ connectionString: url, schema: schema.schema, poolSize }));
    },
    async cleanup() {
      await Promise.all([...closers].map((close) => close()));
      closers.clear();
      await Promise.all([...schemas].map((schema) => schema.drop().catch(() => undefined)));
      schemas.clear();
    },
  };
}
