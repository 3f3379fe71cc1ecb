import type { Knex } from "knex";

/** A page token that this read model did not hand out. */
export class InvalidPageTokenError extends Error {
  override readonly name = "InvalidPageTokenError";
  readonly field = "page_token";
  constructor() {
    super("invalid page_token: is not a token this service issued");
  }
}

export interface KeysetPage<Row> {
  rows: Row[];
  /** Pass as the next request's `pageToken`; "" on the last page. */
  nextPageToken: string;
}

function encodeToken(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

function decodeToken(token: string): string | undefined {
  if (token === "") return undefined;
  const key = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url").toString("utf8") : "";
  if (key.length === 0 || encodeToken(key) !== token) throw new InvalidPageTokenError();
  return key;
}

/**
 * One page of a read-model table in `key` order (keyset pagination: each page
 * starts after the last key of the previous one, so concurrent inserts never
 * shift pages). `query` selects the rows; the order, bound and limit are added
 * here. Page tokens are the last key, base64url, opaque to clients.
 */
export async function keysetPage<Row extends object>(
  query: Knex.QueryBuilder,
  key: string,
  request: { pageSize: number; pageToken: string },
): Promise<KeysetPage<Row>> {
  const after = decodeToken(request.pageToken);
  const paged = query.clone().orderBy(key, "asc").limit(request.pageSize + 1);
  if (after !== undefined) paged.where(key, ">", after);
  const rows = (await paged) as Row[];
  const page = rows.slice(0, request.pageSize);
  const more = rows.length > request.pageSize;
  return { rows: page, nextPageToken: more ? encodeToken(String((page[page.length - 1] as Record<string, unknown>)[key])) : "" };
}
