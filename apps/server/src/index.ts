export { startServer, type AnnalsServer, type AnnalsServerOptions } from "./server.js";
export { loadConfig, settings, ConfigError, type ServerConfig, type LoadConfigInput } from "./config.js";
export { createLogger, type Logger, type LoggerOptions } from "./logger.js";
export { serve } from "./main.js";
export type { ServerMetrics, SubscriptionMetrics, SubscriptionTracker } from "./ops/metrics.js";
export { createAuthenticator, type Authenticator, type AuthenticatorOptions } from "./security/authenticator.js";
export { hashApiKey } from "./security/api-keys.js";
export type { Grants } from "./security/grants.js";
export type { Principal } from "./security/principal.js";
