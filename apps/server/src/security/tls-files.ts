import { readFileSync } from "node:fs";
import { createSecureContext, type TlsOptions } from "node:tls";

/**
 * A certificate chain and its private key, read from PEM files (at start and on
 * SIGHUP). Throws one line naming the files when they cannot be read or do not
 * make a pair, so a bad renewal never replaces a good certificate.
 */
export function readTlsFiles(certFile: string, keyFile: string, clientCaFile = ""): TlsOptions {
  let options: TlsOptions;
  try {
    options = { cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: "TLSv1.2" };
    createSecureContext(options);
  } catch (error) {
    throw new Error(`TLS certificate ${certFile} / key ${keyFile}: ${(error as Error).message}`);
  }
  if (clientCaFile === "") return options;
  try {
    // Client certificates are asked for, not required: a caller may still bring a bearer
    // token; one whose certificate does not verify against the CA is not authenticated by it.
    const withClients: TlsOptions = { ...options, ca: readFileSync(clientCaFile), requestCert: true, rejectUnauthorized: false };
    createSecureContext(withClients);
    return withClients;
  } catch (error) {
    throw new Error(`TLS client CA ${clientCaFile}: ${(error as Error).message}`);
  }
}
