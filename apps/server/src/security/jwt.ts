import { readFileSync } from "node:fs";
import { createLocalJWKSet, errors, importJWK, importSPKI, jwtVerify, type JWK, type JWTVerifyGetKey, type JWTPayload, type CryptoKey } from "jose";
import { UnauthenticatedError } from "./errors.js";

export interface JwtOptions {
  /** A JWKS file (`{ "keys": [...] }`), a JWK public key file, or a PEM (SPKI) public key file. */
  keysFile: string;
  issuer: string;
  audience: string;
  /** Tolerated clock skew on `exp` and `nbf`, seconds. */
  clockSkewS: number;
}

export interface JwtVerifier {
  /** The token's claims, once its signature, issuer, audience and times are checked. */
  verify(token: string): Promise<JWTPayload & { sub: string }>;
}

const algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/** Loads the verification keys (never from a URL) and returns a verifier. */
export async function createJwtVerifier(options: JwtOptions): Promise<JwtVerifier> {
  const text = readFileSync(options.keysFile, "utf8");
  let key: JWTVerifyGetKey | CryptoKey | Uint8Array;
  if (text.includes("-----BEGIN PUBLIC KEY-----")) {
    key = await importFirstAlgorithm((alg) => importSPKI(text, alg));
  } else {
    let parsed: { keys?: JWK[] } & JWK;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (error) {
      throw new Error(`JWT keys file ${options.keysFile}: neither a PEM public key nor JSON (${(error as Error).message})`);
    }
    if (Array.isArray(parsed.keys)) key = createLocalJWKSet({ keys: parsed.keys });
    else if (parsed.d !== undefined) throw new Error(`JWT keys file ${options.keysFile}: holds a private key; give the server the public key only`);
    else key = await importJWK(parsed, parsed.alg ?? defaultAlgorithm(parsed));
  }
  if (!options.issuer || !options.audience) throw new Error("jwtKeys needs jwtIssuer and jwtAudience");
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockSkewS,
          algorithms,
          requiredClaims: ["exp", "sub"],
        });
        return payload as JWTPayload & { sub: string };
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new UnauthenticatedError("the token has expired");
        if (error instanceof errors.JOSEError) throw new UnauthenticatedError(`the token is not valid here (${error.code})`);
        throw error;
      }
    },
  };
}

function defaultAlgorithm(jwk: JWK): string {
  if (jwk.kty === "EC") return jwk.crv === "P-384" ? "ES384" : jwk.crv === "P-521" ? "ES512" : "ES256";
  if (jwk.kty === "OKP") return "EdDSA";
  return "RS256";
}

/** A PEM key does not say its algorithm: the first one that imports it. */
async function importFirstAlgorithm(importAs: (alg: string) => Promise<CryptoKey>): Promise<CryptoKey> {
  let last: unknown;
  for (const alg of ["RS256", "ES256", "ES384", "ES512", "EdDSA"]) {
    try {
      return await importAs(alg);
    } catch (error) {
      last = error;
    }
  }
  throw new Error(`JWT keys file: the PEM public key could not be imported (${(last as Error).message})`);
}
