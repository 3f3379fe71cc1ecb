import type { Logger } from "../logger.js";
import type { CallObserver } from "./call-observer.js";
import { requestIdHeader } from "./request-id.js";

const serverFaults = new Set(["INTERNAL", "UNKNOWN", "DATA_LOSS", "UNIMPLEMENTED"]);
const transientFaults = new Set(["UNAVAILABLE", "DEADLINE_EXCEEDED"]);

/**
 * One log line per RPC: method, principal, status code, duration and request id (never a credential). Faults of the
 * server log as errors, transient ones as warnings, the rest (client errors
 * included) as info; health checks, which orchestrators send every few seconds, as debug.
 */
export function requestLog(logger: Logger): CallObserver {
  return {
    finished(call) {
      const rpc = `${call.service}/${call.method}`;
      const durationMs = Math.round(call.durationMs * 100) / 100;
      const level = serverFaults.has(call.code)
        ? "error"
        : transientFaults.has(call.code)
          ? "warn"
          : call.service === "grpc.health.v1.Health"
            ? "debug"
            : "info";
      const fields = {
        requestId: call.header.get(requestIdHeader) ?? undefined,
        rpc,
        ...(call.principal === undefined ? {} : { principal: call.principal }),
        code: call.code,
        durationMs,
        ...(call.error && call.code !== "CANCELLED" ? { error: call.error.rawMessage } : {}),
        // What the client was not told (a database driver's own words), for the operator.
        ...(call.error?.cause instanceof Error ? { cause: call.error.cause.message } : {}),
      };
      logger[level](fields, `${rpc} ${call.code} ${durationMs}ms`);
    },
  };
}
