import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { createAnnalsClient } from "@annals/sdk";
import { loadConfig } from "../config.js";
import { createAuthenticator } from "./authenticator.js";
import { checkExposure } from "./exposure.js";
import { readTlsFiles } from "./tls-files.js";
import { createTestCredentials } from "../testing/credentials.js";
import { createTestCertificates, pem } from "../testing/tls-certificates.js";
import { startTestServer } from "../testing/test-server.js";

const readme = readFileSync(fileURLToPath(new URL("../../../../README.md", import.meta.url)), "utf8");

/** The JSON block that follows `<!-- example: name -->` in the README. */
function example(name: string): string {
  const match = new RegExp(`<!-- example: ${name.replace(".", "\\.")} -->\\n\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`the README has no ${name} example`);
  return match[1]!;
}

describe("the README's security configuration", () => {
  const folder = mkdtempSync(join(tmpdir(), "annals-readme-security-"));
  const certificates = createTestCertificates();
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
    certificates.remove();
  });

  it("is accepted by the server, which then serves the example keys their grants over TLS", async () => {
    const credentials = await createTestCredentials({});
    copyFileSync(credentials.jwksFile, join(folder, "jwks.json"));
    credentials.remove();
    copyFileSync(certificates.certFile, join(folder, "cert.pem"));
    copyFileSync(certificates.keyFile, join(folder, "key.pem"));
    writeFileSync(join(folder, "api-keys.json"), example("api-keys.json"));
    const configFile = join(folder, "annals.json");
    writeFileSync(configFile, example("annals.json").replaceAll("/etc/annals/tls/", `${folder}/`).replaceAll("/etc/annals/", `${folder}/`));

    const config = loadConfig({ argv: ["--config", configFile], env: {} });
    expect(config.host).toBe("0.0.0.0");
    expect(checkExposure(config)).toBeUndefined();
    const authenticator = await createAuthenticator({
      apiKeysFile: config.apiKeys,
      jwt: { keysFile: config.jwtKeys, issuer: config.jwtIssuer, audience: config.jwtAudience, clockSkewS: config.jwtClockSkewS },
      principals: config.principals,
    });
    expect(authenticator?.methods).toEqual(["api-key", "jwt"]);
    const server = await startTestServer({ server: { authenticator, tls: readTlsFiles(config.tlsCert, config.tlsKey) } });
    try {
      // Both keys of the rotation are the bank's.
      for (const token of ["annals-example-bank-key-2026-12", "annals-example-bank-key-2027-01"]) {
        const client = createAnnalsClient({ baseUrl: server.url, token, tls: { ca: pem(certificates.caFile) } });
        try {
          await client.appendToStream(`account-${token.slice(-7)}`, [{ type: "t.A", data: new Uint8Array() }]);
          await expect(client.appendToStream("order-1", [{ type: "t.A", data: new Uint8Array() }])).rejects.toMatchObject({ code: Code.PermissionDenied });
        } finally {
          client.close();
        }
      }
      const anonymous = createAnnalsClient({ baseUrl: server.url, tls: { ca: pem(certificates.caFile) } });
      await expect(anonymous.getStream("account-1")).rejects.toMatchObject({ code: Code.Unauthenticated });
      anonymous.close();
    } finally {
      await server.stop();
    }
  });
});
