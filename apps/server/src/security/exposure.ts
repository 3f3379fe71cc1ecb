import { isIP } from "node:net";
import { ConfigError, type ServerConfig } from "../config.js";

/** Whether `host` is a loopback interface (127.0.0.0/8, ::1, localhost): only this machine reaches it. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost" || bare === "::1") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare.startsWith("::ffff:127.");
}

/** Whether the config sets up authentication. */
export function authenticationConfigured(config: Pick<ServerConfig, "apiKeys" | "jwtKeys" | "tlsClientCa">): boolean {
  return config.apiKeys !== "" || config.jwtKeys !== "" || config.tlsClientCa !== "";
}

/**
 * Secure by default: without authentication the server listens on loopback only.
 * Any other address without authentication is refused (ConfigError: exit 2, one line)
 * unless `insecure` is set; then this answers the warning to log at every start.
 */
export function checkExposure(config: Pick<ServerConfig, "host" | "insecure" | "apiKeys" | "jwtKeys" | "tlsClientCa">): string | undefined {
  if (authenticationConfigured(config) || isLoopback(config.host)) return undefined;
  if (!config.insecure) {
    throw new ConfigError(`refusing to listen on ${config.host} without authentication: configure apiKeys, jwtKeys or tlsClientCa (see Security in the README), listen on 127.0.0.1, or pass --insecure`);
  }
  return `INSECURE: listening on ${config.host} without authentication (--insecure): anyone who reaches this port may read and write every stream`;
}
