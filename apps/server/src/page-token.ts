import { InvalidInputError } from "@annals/store";

/**
 * Page tokens of the paginated RPCs (ListStreams): the last key of the
 * previous page, base64url encoded so that clients treat it as opaque.
 */
export function encodePageToken(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

/** The key a token resumes after; `undefined` for the empty token (first page). */
export function decodePageToken(token: string): string | undefined {
  if (token === "") return undefined;
  const key = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url").toString("utf8") : "";
  // Stream names hold no control characters: a token that decodes to one was not issued here.
  if (key.length === 0 || encodePageToken(key) !== token || /[\u0000-\u001f\u007f-\u009f]/.test(key)) {
    throw new InvalidInputError("page_token", "is not a token this server issued");
  }
  return key;
}
