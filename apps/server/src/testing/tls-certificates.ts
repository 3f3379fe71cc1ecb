import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificates {
  folder: string;
  /** The test CA's certificate (PEM file), to trust. */
  caFile: string;
  /** A server certificate for 127.0.0.1 and localhost signed by the CA, and its key (PEM files). */
  certFile: string;
  keyFile: string;
  /** Issues another server certificate (a renewal) into `certFile` / `keyFile`; answers its serial. */
  renew(): string;
  /** The serial of the certificate in `certFile`. */
  serial(): string;
  /** A client certificate for `commonName` and its key (PEM files), signed by the CA, or by a CA of its own when `foreign`. */
  issueClient(commonName: string, options?: { foreign?: boolean }): { certFile: string; keyFile: string };
  remove(): void;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] }).toString();
}

/** A throwaway CA and a server certificate it signed, made with `openssl` in a temporary folder. */
export function createTestCertificates(): TestCertificates {
  const folder = mkdtempSync(join(tmpdir(), "annals-tls-"));
  const caFile = join(folder, "ca.pem");
  const certFile = join(folder, "server.pem");
  const keyFile = join(folder, "server-key.pem");
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=Annals test CA", "-keyout", "ca-key.pem", "-out", caFile], folder);
  writeFileSync(join(folder, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  const issue = () => {
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-keyout", keyFile, "-out", "server.csr"], folder);
    openssl(["x509", "-req", "-in", "server.csr", "-CA", caFile, "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", certFile], folder);
  };
  const serial = () => openssl(["x509", "-in", certFile, "-noout", "-serial"], folder).trim().replace(/^serial=/, "");
  issue();
  writeFileSync(join(folder, "client.ext"), "extendedKeyUsage=clientAuth\n");
  let clients = 0;
  const issueClient = (commonName: string, options: { foreign?: boolean } = {}) => {
    clients += 1;
    const [ca, caKey] = options.foreign ? [`foreign-ca-${clients}.pem`, `foreign-ca-${clients}-key.pem`] : [caFile, "ca-key.pem"];
    if (options.foreign) openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=Someone else's CA", "-keyout", caKey, "-out", ca], folder);
    const clientCert = join(folder, `client-${clients}.pem`);
    const clientKey = join(folder, `client-${clients}-key.pem`);
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${commonName}`, "-keyout", clientKey, "-out", `client-${clients}.csr`], folder);
    openssl(["x509", "-req", "-in", `client-${clients}.csr`, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-days", "2", "-extfile", "client.ext", "-out", clientCert], folder);
    return { certFile: clientCert, keyFile: clientKey };
  };
  return {
    folder,
    caFile,
    certFile,
    keyFile,
    renew() {
      issue();
      return serial();
    },
    serial,
    issueClient,
    remove() {
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Reads a PEM file. */
export const pem = (file: string): Buffer => readFileSync(file);
