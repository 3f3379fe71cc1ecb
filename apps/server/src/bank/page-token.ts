import { InvalidInputError } from "@annals/store";

/** The opaque token of the next `ListAccounts` page: the last account id of this one. */
export function encodeAccountPageToken(lastAccountId: string): string {
  return Buffer.from(lastAccountId, "utf8").toString("base64url");
}

/** The account id a page token resumes after, `undefined` for the first page. */
export function decodeAccountPageToken(token: string): string | undefined {
  if (token === "") return undefined;
  const accountId = Buffer.from(token, "base64url").toString("utf8");
  if (accountId.length === 0 || encodeAccountPageToken(accountId) !== token) {
    throw new InvalidInputError("page_token", "is not a token this service gave");
  }
  return accountId;
}
