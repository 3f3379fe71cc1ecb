/**
 * Emmett (`@event-driven-io/emmett-sqlite`) doing the same appends and reads as the
 * Annals benchmarks. The package is loaded at run time so that the benchmarks (and
 * the type-check) still work on a checkout where it is not installed.
 */

/** An Emmett event: a type and a JSON document. */
interface EmmettEvent {
  type: string;
  data: Record<string, unknown>;
}

/** The part of Emmett's SQLite event store these benchmarks use (0.38.x). */
interface EmmettSqliteEventStore {
  appendToStream(streamName: string, events: EmmettEvent[], options?: Record<string, unknown>): Promise<unknown>;
  readStream(streamName: string, options?: Record<string, unknown>): Promise<{ events: unknown[] }>;
  close?(): Promise<void> | void;
}

interface EmmettSqliteModule {
  getSQLiteEventStore(options: { fileName: string; schema?: { autoMigration?: "None" | "CreateOrUpdate" } }): EmmettSqliteEventStore;
}

export interface EmmettPeer {
  /** Which package versions answered. */
  readonly version: string;
  /** Appends `events` to `stream` in one call. */
  append(stream: string, events: number): Promise<void>;
  /** Reads a whole stream; answers how many events it held. */
  readStream(stream: string): Promise<number>;
  close(): Promise<void>;
}

export interface EmmettEventShape {
  type: string;
  /** The payload, carried as base64 inside Emmett's JSON data. */
  payload: Uint8Array;
}

const moduleName = "@event-driven-io/emmett-sqlite";

async function load(): Promise<EmmettSqliteModule> {
  const specifier: string = moduleName;
  return (await import(specifier)) as EmmettSqliteModule;
}

async function installedVersion(): Promise<string> {
  try {
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    const manifest = require(`${moduleName}/package.json`) as { version?: string };
    return manifest.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Whether the Emmett peer can be loaded here, and why not when it cannot. */
export async function emmettAvailability(): Promise<{ available: true; version: string } | { available: false; reason: string }> {
  try {
    await load();
    return { available: true, version: await installedVersion() };
  } catch (error) {
    return { available: false, reason: (error as Error).message.split("\n")[0] ?? String(error) };
  }
}

/** Opens Emmett's SQLite event store on `fileName` (schema created on first use). */
export async function openEmmettPeer(fileName: string, event: EmmettEventShape): Promise<EmmettPeer> {
  const { getSQLiteEventStore } = await load();
  const store = getSQLiteEventStore({ fileName, schema: { autoMigration: "CreateOrUpdate" } });
  const data = { payload: Buffer.from(event.payload).toString("base64") };
  const version = await installedVersion();
  return {
    version,
    async append(stream, events) {
      const batch: EmmettEvent[] = Array.from({ length: events }, () => ({ type: event.type, data }));
      await store.appendToStream(stream, batch);
    },
    async readStream(stream) {
      const result = await store.readStream(stream);
      return result.events.length;
    },
    async close() {
      await store.close?.();
    },
  };
}
