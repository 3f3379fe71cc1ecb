import { hashApiKey, readApiKeys } from "./api-keys.js";
import { UnauthenticatedError } from "./errors.js";
import { noGrants, parseGrants, type Grants } from "./grants.js";
import { createJwtVerifier, type JwtOptions } from "./jwt.js";
import type { Principal } from "./principal.js";

export interface AuthenticatorOptions {
  /** The API keys file (`readApiKeys`). */
  apiKeysFile?: string;
  /** JWT verification. */
  jwt?: JwtOptions;
  /** Grants by principal name, from the config file's `principals`: JWT principals, client certificates, and API keys without grants of their own. */
  principals?: Record<string, unknown>;
  /** Client certificates verified by TLS (`--tls-client-ca`) authenticate: their subject's common name is the principal. */
  clientCertificates?: boolean;
}

/** Turns a call's `authorization` header into a principal, or refuses it. */
export interface Authenticator {
  /** `api-key`, `jwt`, `client-certificate`: what the server accepts, for the ready line. */
  readonly methods: readonly string[];
  /**
   * The principal behind `authorization: Bearer <token>`, or without a token the
   * verified client certificate's subject (`peer`); throws `UnauthenticatedError`
   * when there is neither.
   */
  authenticate(authorization: string | null, peer?: string): Promise<Principal>;
}

/** Undefined when neither API keys nor JWT keys are configured: the server then has no authentication. */
export async function createAuthenticator(options: AuthenticatorOptions): Promise<Authenticator | undefined> {
  const granted = new Map<string, Grants>();
  for (const [name, value] of Object.entries(options.principals ?? {})) granted.set(name, parseGrants(value, `principals.${name}`));
  const keys = new Map<string, Principal>();
  for (const entry of options.apiKeysFile ? readApiKeys(options.apiKeysFile) : []) {
    keys.set(entry.sha256, Object.freeze({ name: entry.principal, method: "api-key", grants: entry.grants ?? granted.get(entry.principal) ?? noGrants }));
  }
  const jwt = options.jwt ? await createJwtVerifier(options.jwt) : undefined;
  const methods = [...(options.apiKeysFile ? ["api-key"] : []), ...(jwt ? ["jwt"] : []), ...(options.clientCertificates ? ["client-certificate"] : [])];
  if (methods.length === 0) return undefined;
  return {
    methods,
    async authenticate(authorization, peer) {
      const tokenless = authorization === null || authorization === "";
      if (tokenless && options.clientCertificates && peer !== undefined) return { name: peer, method: "client-certificate", grants: granted.get(peer) ?? noGrants };
      if (tokenless) throw new UnauthenticatedError("this server requires a bearer token (authorization: Bearer <token>)");
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
      if (!match) throw new UnauthenticatedError("the authorization header must be Bearer <token>");
      const token = match[1]!;
      // A JWT has three dot-separated parts; an API key has none.
      if (jwt && token.split(".").length === 3) {
        const claims = await jwt.verify(token);
        return { name: claims.sub, method: "jwt", grants: granted.get(claims.sub) ?? noGrants };
      }
      const principal = keys.get(hashApiKey(token));
      if (!principal) throw new UnauthenticatedError("the token is not valid here");
      return principal;
    },
  };
}
