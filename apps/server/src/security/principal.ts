import { createContextKey } from "@connectrpc/connect";
import { allGrants, type Grants } from "./grants.js";

/** Who makes a call, as the server authenticated it, and what they may do. */
export interface Principal {
  /** The principal's name: an API key's `principal`, a JWT's `sub`. Recorded in appended events as `$principal`. */
  readonly name: string;
  /** How it was authenticated. */
  readonly method: "api-key" | "jwt" | "client-certificate" | "none";
  readonly grants: Grants;
}

/** The caller of a server without authentication (loopback only, or `--insecure`). */
export const anonymousPrincipal: Principal = Object.freeze({ name: "anonymous", method: "none", grants: allGrants });

/** Where the auth interceptor leaves the call's principal for the handlers and the request log. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "the authenticated principal" });

/** The metadata key the server stamps on every appended event with the principal's name; clients cannot set it. */
export const principalMetadataKey = "$principal";
