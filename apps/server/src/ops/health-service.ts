import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type Health, HealthCheckResponse_ServingStatus as Status } from "@annals/protocol/grpc";
import type { HealthMonitor } from "./health.js";

export interface HealthServiceOptions {
  monitor: HealthMonitor;
  /** Full names of the services this server serves, e.g. `annals.eventstore.v1.EventStore`. */
  services: () => readonly string[];
}

/**
 * grpc.health.v1.Health. The server as a whole ("") and every service that needs
 * the database are SERVING while the database answers its probes and the server
 * is not draining; the gRPC infrastructure services (grpc.*) only while it is not
 * draining.
 */
export function createHealthService(options: HealthServiceOptions): ServiceImpl<typeof Health> {
  const { monitor } = options;

  function statusOf(service: string): Status | undefined {
    if (service !== "" && !options.services().includes(service)) return undefined;
    const needsDatabase = !service.startsWith("grpc.");
    const up = needsDatabase ? monitor.serving : !monitor.state.draining;
    return up ? Status.SERVING : Status.NOT_SERVING;
  }

  return {
    check(request) {
      const status = statusOf(request.service);
      if (status === undefined) throw new ConnectError(`unknown service ${request.service}`, Code.NotFound);
      return { status };
    },

    list() {
      const statuses: Record<string, { status: Status }> = { "": { status: statusOf("")! } };
      for (const service of options.services()) statuses[service] = { status: statusOf(service)! };
      return { statuses };
    },

    async *watch(request, context) {
      let changed = false;
      let wake: (() => void) | undefined;
      const stopListening = monitor.onChange(() => {
        changed = true;
        wake?.();
      });
      const onAbort = () => wake?.();
      context.signal.addEventListener("abort", onAbort);
      try {
        let last: Status | undefined;
        for (;;) {
          changed = false;
          const status = statusOf(request.service) ?? Status.SERVICE_UNKNOWN;
          if (status !== last) {
            last = status;
            yield { status };
          }
          if (context.signal.aborted) return;
          if (!changed) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        stopListening();
        context.signal.removeEventListener("abort", onAbort);
      }
    },
  };
}
