import { invalidArgument } from "../wire.js";

/**
 * ListStreams page tokens: the last stream name of the previous page, base64url
 * encoded so that clients treat it as opaque.
 */
export function encodePageToken(lastStream: string): string {
  return Buffer.from(lastStream, "utf8").toString("base64url");
}

/** The stream name a token carries; `undefined` for the empty token (first page). */
export function decodePageToken(token: string): string | undefined {
  if (token === "") return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalidArgument("page_token", "is not a token this server issued");
  const name = Buffer.from(token, "base64url").toString("utf8");
  if (name.length === 0 || encodePageToken(name) !== token) throw invalidArgument("page_token", "is not a token this server issued");
  return name;
}
