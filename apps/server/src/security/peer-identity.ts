import { TLSSocket } from "node:tls";
import { createContextKey } from "@connectrpc/connect";

/**
 * The subject (its common name) of the client certificate the TLS handshake
 * verified against `--tls-client-ca`, set by the transport from the connection
 * itself, never from a header: the principal of a call without a bearer token.
 */
export const peerIdentityKey = createContextKey<string | undefined>(undefined, { description: "verified client certificate subject" });

/** The verified client certificate's common name on `socket`; undefined without one, or when it did not verify. */
export function peerIdentity(socket: unknown): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[] | undefined> | undefined;
  const name = subject?.["CN"];
  const common = Array.isArray(name) ? name[0] : name;
  return common === undefined || common === "" ? undefined : common;
}

/** The socket under a Node request or HTTP/2 stream: the session's for HTTP/2, the connection's for HTTP/1.1. */
export function socketOf(source: { stream?: { session?: { socket?: unknown } }; socket?: unknown; session?: { socket?: unknown } }): unknown {
  return source.stream?.session?.socket ?? source.session?.socket ?? source.socket;
}
