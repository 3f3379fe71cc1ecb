import { parseArgs } from "node:util";
import { defaultBankDatabase } from "./bank-service.js";

/** The bank service's settings: flag, environment variable, default. */
export interface BankConfig {
  /** TCP port of the bank service. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** The event store's address. */
  eventStore: string;
  /** The bank's own database: a SQLite file path or a postgres:// URL. */
  db: string;
  /** Snapshot an account every this many events (0: never). */
  snapshotEvery: number;
  /** Log level. */
  logLevel: string;
  /** The bank's own bearer token (API key or JWT) for the event store; empty: none. */
  token: string;
}

interface Setting {
  key: keyof BankConfig;
  flag: string;
  env: string;
  integer?: { min: number; max: number };
  default: string | number;
  description: string;
}

/** Every setting of the bank service, in one table (`--help` prints it). */
export const bankSettings: readonly Setting[] = [
  { key: "port", flag: "port", env: "ANNALS_BANK_PORT", integer: { min: 0, max: 65_535 }, default: 50052, description: "TCP port (gRPC and Connect over HTTP/2)" },
  { key: "host", flag: "host", env: "ANNALS_BANK_HOST", default: "127.0.0.1", description: "interface to listen on" },
  { key: "eventStore", flag: "event-store", env: "ANNALS_BANK_EVENT_STORE", default: "http://127.0.0.1:50051", description: "the Annals event store's address" },
  { key: "db", flag: "db", env: "ANNALS_BANK_DB", default: defaultBankDatabase, description: "the bank's own database (read model, snapshots): SQLite path or postgres:// URL" },
  { key: "snapshotEvery", flag: "snapshot-every", env: "ANNALS_BANK_SNAPSHOT_EVERY", integer: { min: 0, max: 1_000_000 }, default: 100, description: "snapshot an account every this many events (0: never)" },
  { key: "logLevel", flag: "log-level", env: "ANNALS_BANK_LOG_LEVEL", default: "info", description: "fatal, error, warn, info, debug, trace or silent" },
  { key: "token", flag: "token", env: "ANNALS_TOKEN", default: "", description: "the bank's bearer token (API key or JWT) for the event store; default none" },
];

export class BankConfigError extends Error {
  override readonly name = "BankConfigError";
}

/** Flags, then environment variables, then defaults. Throws `BankConfigError` with one line on a bad value. */
export function loadBankConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): BankConfig | "help" {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: [...argv],
      options: Object.fromEntries([["help", { type: "boolean" }], ...bankSettings.map((setting) => [setting.flag, { type: "string" }])]),
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new BankConfigError((error as Error).message);
  }
  if (flags["help"] === true) return "help";
  const config: Record<string, string | number> = {};
  for (const setting of bankSettings) {
    const flag = flags[setting.flag];
    const raw = typeof flag === "string" ? flag : env[setting.env] || undefined;
    if (raw === undefined) {
      config[setting.key] = setting.default;
      continue;
    }
    if (setting.integer) {
      const value = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || value < setting.integer.min || value > setting.integer.max) {
        throw new BankConfigError(`${setting.key}: "${raw}" is not an integer in ${setting.integer.min}..${setting.integer.max}`);
      }
      config[setting.key] = value;
    } else {
      if (raw.length === 0) throw new BankConfigError(`${setting.key}: must not be empty`);
      config[setting.key] = raw;
    }
  }
  return config as unknown as BankConfig;
}

/** The settings as `--help` lists them. */
export function bankHelp(): string {
  const rows = bankSettings.map((setting) => `  --${setting.flag.padEnd(16)} ${setting.env.padEnd(28)} default ${String(setting.default).padEnd(24)} ${setting.description}`);
  return ["annals-bank: the bank account service, on an Annals event store", "", "  flag               environment", ...rows, ""].join("\n");
}
