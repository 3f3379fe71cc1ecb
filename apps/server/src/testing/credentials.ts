import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { hashApiKey } from "../security/api-keys.js";

export interface TestCredentials {
  /** The API keys file. */
  apiKeysFile: string;
  /** The JWKS file (public keys only). */
  jwksFile: string;
  issuer: string;
  audience: string;
  /** A fresh API key for each principal given to `createTestCredentials`, stored hashed in the keys file. */
  apiKey(principal: string): string;
  /** A JWT for `subject`, signed with the key in the JWKS file; `expiresInS` may be negative (expired). */
  jwt(subject: string, options?: { expiresInS?: number; issuer?: string; audience?: string }): Promise<string>;
  /** Deletes the files. */
  remove(): void;
}

/** Real key material in a temporary folder: an API keys file and an ES256 JWKS, for servers under test. */
export async function createTestCredentials(keys: Record<string, { grants?: unknown; rotated?: boolean }>): Promise<TestCredentials> {
  const folder = mkdtempSync(join(tmpdir(), "annals-credentials-"));
  const issued = new Map<string, string>();
  const entries = Object.entries(keys).flatMap(([principal, { grants, rotated }]) => {
    const key = randomBytes(32).toString("base64url");
    issued.set(principal, key);
    const entry = { principal, sha256: hashApiKey(key), ...(grants === undefined ? {} : { grants }) };
    // A key being rotated: the old one stays valid beside the new one.
    return rotated ? [entry, { ...entry, sha256: hashApiKey(`old-${key}`) }] : [entry];
  });
  const apiKeysFile = join(folder, "api-keys.json");
  writeFileSync(apiKeysFile, JSON.stringify({ keys: entries }, null, 2));
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-1", alg: "ES256", use: "sig" };
  const jwksFile = join(folder, "jwks.json");
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  const issuer = "https://issuer.annals.test";
  const audience = "annals";
  return {
    apiKeysFile,
    jwksFile,
    issuer,
    audience,
    apiKey(principal) {
      const key = issued.get(principal);
      if (!key) throw new Error(`no API key for ${principal}`);
      return key;
    },
    jwt: (subject, options = {}) => sign(privateKey, subject, options.expiresInS ?? 300, options.issuer ?? issuer, options.audience ?? audience),
    remove() {
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

function sign(key: CryptoKey, subject: string, expiresInS: number, issuer: string, audience: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: "test-1" })
    .setSubject(subject)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now - 600)
    .setExpirationTime(now + expiresInS)
    .sign(key);
}
