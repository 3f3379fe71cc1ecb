import { readFileSync } from "node:fs";
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

/** Where and how to reach the server: `--url`, `--token`, `--ca`. */
export interface ServerOptions {
  url: string;
  /** A bearer token (API key or JWT), `--token` or ANNALS_TOKEN. */
  token?: string;
  /** A PEM file of the certificate authorities to trust for an https:// URL, `--ca` or ANNALS_CA. */
  ca?: string;
}

/** A client of the server, decoding the known protobuf types. */
export function connect(options: ServerOptions): AnnalsClient {
  let ca: Buffer | undefined;
  if (options.ca) {
    try {
      ca = readFileSync(options.ca);
    } catch (error) {
      throw new UsageError(`--ca: ${(error as Error).message}`);
    }
  }
  return createAnnalsClient({
    baseUrl: serverAddress(options.url),
    registry: knownTypes,
    ...(options.token ? { token: options.token } : {}),
    ...(ca ? { tls: { ca } } : {}),
  });
}

/** Runs `work` with a client, and closes it whatever happens. */
export async function withClient<T>(options: ServerOptions, work: (client: AnnalsClient) => Promise<T>): Promise<T> {
  const client = connect(options);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}
