import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { UsageError } from "./errors.js";
import { knownTypes } from "./registry.js";

export const defaultUrl = "http://127.0.0.1:50051";

/**
 * The server's base address from `--url` (or ANNALS_URL, named by `source`):
 * `http://` or `https://`, a host and a port, nothing else. Checked before any
 * call, so that a wrong shape is a usage error rather than a puzzling answer.
 */
export function serverAddress(url: string, source = "--url"): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${source}: "${url}" is not a URL (e.g. ${defaultUrl})`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UsageError(`${source}: "${url}" must start with http:// or https://`);
  if (parsed.username !== "" || parsed.password !== "") {
    throw new UsageError(`${source}: the URL must not hold a user name or password (they are not sent): use ${parsed.origin}`);
  }
  if (parsed.pathname !== "/" || parsed.search !== "" || parsed.hash !== "" || url.endsWith("?") || url.endsWith("#")) {
    throw new UsageError(`${source}: "${url}" must be the server's base address, without a path: ${parsed.origin}`);
  }
  return parsed.origin;
}

/** A client of the server at `url`, decoding the known protobuf types. */
export function connect(url: string): AnnalsClient {
  return createAnnalsClient({ baseUrl: serverAddress(url), registry: knownTypes });
}

/** Runs `work` with a client, and closes it whatever happens. */
export async function withClient<T>(url: string, work: (client: AnnalsClient) => Promise<T>): Promise<T> {
  const client = connect(url);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}
