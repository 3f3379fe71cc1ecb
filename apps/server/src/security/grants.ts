/**
 * What a principal may do. Stream grants are stream-name prefixes: `"account-"`
 * covers the category `account-` and every stream in it; `""` covers every stream.
 * A prefix grant never covers `$all`: reading the global log (ReadAll, a Subscribe
 * to `$all`, GetEvents) needs `readAll`.
 */
export interface Grants {
  /** Stream-name prefixes the principal may read (ReadStream, GetStream, ListStreams, Subscribe to a stream or category). */
  read: readonly string[];
  /** Stream-name prefixes the principal may append to. */
  write: readonly string[];
  /** Read the global log: ReadAll, Subscribe to `$all` (filtered or not), GetEvents. */
  readAll: boolean;
  /** Checkpoint-name prefixes the principal may get, set and list. */
  checkpoints: readonly string[];
  /** Everything, including administrative calls. */
  admin: boolean;
}

export const noGrants: Grants = Object.freeze({ read: [], write: [], readAll: false, checkpoints: [], admin: false });

/** Every permission: what a server without authentication gives every caller. */
export const allGrants: Grants = Object.freeze({ read: [""], write: [""], readAll: true, checkpoints: [""], admin: true });

const grantKeys = new Set(["read", "write", "readAll", "checkpoints", "admin"]);

/** Reads grants from a config value, e.g. `{ "read": ["account-"], "readAll": true }`; throws one line naming `where` on a bad one. */
export function parseGrants(value: unknown, where: string): Grants {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: grants must be an object`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!grantKeys.has(key)) throw new Error(`${where}: unknown grant "${key}" (read, write, readAll, checkpoints, admin)`);
  const prefixes = (key: string): string[] => {
    const list = record[key] ?? [];
    if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) throw new Error(`${where}.${key}: must be a list of prefixes`);
    return list as string[];
  };
  const flag = (key: string): boolean => {
    const item = record[key] ?? false;
    if (typeof item !== "boolean") throw new Error(`${where}.${key}: must be true or false`);
    return item;
  };
  return Object.freeze({ read: prefixes("read"), write: prefixes("write"), readAll: flag("readAll"), checkpoints: prefixes("checkpoints"), admin: flag("admin") });
}

/** Whether one of `prefixes` covers `name` (a stream, a category or a checkpoint name). */
export function covers(prefixes: readonly string[], name: string): boolean {
  return prefixes.some((prefix) => name.startsWith(prefix));
}
