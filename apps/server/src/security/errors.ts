/** A call without valid credentials: no bearer token, or one that is unknown, expired or not for this server. */
export class UnauthenticatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnauthenticatedError";
  }
}

/** What a principal needs for a call: a permission, on a stream, a stream-name prefix or a checkpoint name. */
export interface Requirement {
  permission: "read" | "write" | "readAll" | "checkpoints" | "admin" | "authenticated";
  /** The stream, prefix or checkpoint name; absent for `readAll`, `admin`, `authenticated`. */
  resource?: string;
  /** What `resource` names, for the message. */
  on?: "stream" | "prefix" | "checkpoint" | "checkpoint prefix";
}

/** An authenticated principal whose grants do not cover the call. Nothing was read or written. */
export class PermissionDeniedError extends Error {
  constructor(
    readonly principal: string,
    readonly requirement: Requirement,
  ) {
    const { permission, resource, on } = requirement;
    const what = permission === "readAll" ? "the read permission on $all" : `the ${permission} permission${resource === undefined ? "" : ` on ${on ?? "stream"} "${resource}"`}`;
    super(`principal "${principal}" lacks ${what}`);
    this.name = "PermissionDeniedError";
  }
}
