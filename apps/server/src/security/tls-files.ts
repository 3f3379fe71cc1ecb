import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContextOptions } from "node:tls";

/**
 * A certificate chain and its private key, read from PEM files (at start and on
 * SIGHUP). Throws one line naming the files when they cannot be read or do not
 * make a pair, so a bad renewal never replaces a good certificate.
 */
export function readTlsFiles(certFile: string, keyFile: string): SecureContextOptions {
  try {
    const options: SecureContextOptions = { cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: "TLSv1.2" };
    createSecureContext(options);
    return options;
  } catch (error) {
    throw new Error(`TLS certificate ${certFile} / key ${keyFile}: ${(error as Error).message}`);
  }
}
