import { createAnnalsClient, type AnnalsClient } from "@annals/sdk";
import { UsageError } from "./errors.js";
import { knownTypes } from "./registry.js";

export const defaultUrl = "http://127.0.0.1:50051";

/** A client of the server at `url`, decoding the known protobuf types. */
export function connect(url: string): AnnalsClient {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url: "${url}" is not a URL (e.g. ${defaultUrl})`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UsageError(`--url: "${url}" must start with http:// or https://`);
  return createAnnalsClient({ baseUrl: url, registry: knownTypes });
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
