/**
 * Emmett on PostgreSQL (`@event-driven-io/emmett-postgresql`) doing the same appends
 * and reads as the Annals PostgreSQL benchmarks. Loaded at run time, so that the
 * benchmarks and the type-check work on a checkout where it is not installed.
 */

interface EmmettEvent {
  type: string;
  data: Record<string, unknown>;
}

/** The part of Emmett's PostgreSQL event store these benchmarks use (0.42.x). */
interface EmmettPostgresEventStore {
  appendToStream(streamName: string, events: EmmettEvent[], options?: Record<string, unknown>): Promise<unknown>;
  readStream(streamName: string, options?: Record<string, unknown>): Promise<{ events: unknown[] }>;
  close(): Promise<void>;
}

interface EmmettPostgresModule {
  getPostgreSQLEventStore(connectionString: string, options?: { schema?: { autoMigration?: "None" | "CreateOrUpdate" } }): EmmettPostgresEventStore;
}

export interface EmmettPostgresPeer {
  readonly version: string;
  /** Appends `events` events to `stream` in one call. */
  append(stream: string, events: number): Promise<void>;
  /** Reads a whole stream; answers how many events it held. */
  readStream(stream: string): Promise<number>;
  close(): Promise<void>;
}

const moduleName = "@event-driven-io/emmett-postgresql";

async function load(): Promise<EmmettPostgresModule> {
  const specifier: string = moduleName;
  return (await import(specifier)) as EmmettPostgresModule;
}

async function installedVersion(): Promise<string> {
  try {
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    return (require(`${moduleName}/package.json`) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Whether the peer can be loaded here, and why not when it cannot. */
export async function emmettPostgresAvailability(): Promise<{ available: true; version: string } | { available: false; reason: string }> {
  try {
    await load();
    return { available: true, version: await installedVersion() };
  } catch (error) {
    return { available: false, reason: (error as Error).message.split("\n")[0] ?? String(error) };
  }
}

/** Opens Emmett's PostgreSQL event store on `connectionString` (its tables created on first use). */
export async function openEmmettPostgresPeer(connectionString: string, event: { type: string; payload: Uint8Array }): Promise<EmmettPostgresPeer> {
  const { getPostgreSQLEventStore } = await load();
  const store = getPostgreSQLEventStore(connectionString, { schema: { autoMigration: "CreateOrUpdate" } });
  const data = { payload: Buffer.from(event.payload).toString("base64") };
  return {
    version: await installedVersion(),
    async append(stream, events) {
      await store.appendToStream(
        stream,
        Array.from({ length: events }, () => ({ type: event.type, data })),
      );
    },
    async readStream(stream) {
      return (await store.readStream(stream)).events.length;
    },
    close: () => store.close(),
  };
}
