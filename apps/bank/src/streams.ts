/** Every account is one stream, named after it: `account-ACC-001`. */
export const accountStreamPrefix = "account-";

/** Longest account id: the event store's 256-character stream names, less the prefix. */
export const maxAccountIdLength = 256 - accountStreamPrefix.length;

/** The stream holding an account's events. */
export function accountStream(accountId: string): string {
  return `${accountStreamPrefix}${accountId}`;
}

/** The account a stream belongs to, `undefined` when it is not an account stream. */
export function accountIdOf(stream: string): string | undefined {
  return stream.startsWith(accountStreamPrefix) && stream.length > accountStreamPrefix.length ? stream.slice(accountStreamPrefix.length) : undefined;
}
