import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import { file_annals_eventstore_v1_errors } from "@annals/protocol";
import { Health, ServerReflection, ServerReflectionV1Alpha } from "@annals/protocol/grpc";
import type { EventStore as Store } from "@annals/store";
import type { Logger } from "../logger.js";
import { observeCalls } from "./call-observer.js";
import { createDescriptorIndex, type DescriptorIndex } from "./descriptor-index.js";
import { createHealthMonitor, type HealthMonitor } from "./health.js";
import { createHealthService } from "./health-service.js";
import { createConsoleFiles } from "./console-files.js";
import { createHttpEndpoints } from "./http-endpoints.js";
import { createServerMetrics, type ServerMetrics } from "./metrics.js";
import { createReflectionService, createReflectionServiceV1Alpha } from "./reflection-service.js";
import { requestLog } from "./request-log.js";
import { serverVersion } from "../version.js";

export interface ServerOpsOptions {
  store: Store;
  logger: Logger;
  /** Serve `GET /metrics`. Default true. */
  metrics?: boolean;
  /** Interval between database probes, ms. Default 5,000. */
  healthProbeIntervalMs?: number;
  /** A slower probe marks the server NOT_SERVING, ms. Default 2,000. */
  healthProbeTimeoutMs?: number;
  /** Whether a `GET /metrics` may be answered, from its `authorization` header. Default: always. */
  metricsAccess?: (authorization: string | undefined) => Promise<boolean>;
  /** Serve the web console from this folder (default `apps/console/dist`), or `false` for none. */
  console?: string | false;
}

/** Everything that makes the server operable: health, reflection, metrics, request logs. */
export interface ServerOps {
  readonly health: HealthMonitor;
  readonly metrics: ServerMetrics;
  /** Request log and RPC metrics; put them before the error mapping. */
  readonly interceptors: Interceptor[];
  /** Registers health and reflection. Call it after every other service. */
  routes(router: ConnectRouter): void;
  /** Answers the HTTP paths that are not RPCs: /metrics, /healthz, /readyz, the console. */
  readonly fallback: ReturnType<typeof createHttpEndpoints>;
  /** Probes the database once, then on an interval. */
  start(): Promise<void>;
  /** Reports NOT_SERVING to every health check and watcher, for good. */
  drain(): void;
  /** Stops probing and listening to the store. */
  stop(): void;
}

export function createServerOps(options: ServerOpsOptions): ServerOps {
  const { store, logger } = options;
  const metrics = createServerMetrics({ poolStats: () => store.poolStats(), info: { version: serverVersion, backend: store.backend } });
  const health = createHealthMonitor({
    probe: async () => {
      await store.checkHealth();
      metrics.headPosition(await store.headPosition());
    },
    intervalMs: options.healthProbeIntervalMs,
    timeoutMs: options.healthProbeTimeoutMs,
  });
  health.onChange((state) => {
    metrics.databaseReachable(state.databaseReachable);
    if (state.draining) logger.info("draining: health reports NOT_SERVING");
    else if (state.databaseReachable) logger.info("database reachable again: SERVING");
    else logger.error({ reason: state.reason }, `database unusable: NOT_SERVING (${state.reason ?? "unknown"})`);
  });
  const stopCounting = store.onAppend((events) => {
    metrics.eventsAppended(events.length);
    const last = events[events.length - 1];
    if (last) metrics.headPosition(last.position);
  });

  let router: ConnectRouter | undefined;
  let index: DescriptorIndex | undefined;
  const services = (): DescService[] => [...new Set(router?.handlers.map((handler) => handler.service) ?? [])];
  // Services are all registered before the first request: index them once, then.
  const descriptorIndex = () => (index ??= createDescriptorIndex(services(), [file_annals_eventstore_v1_errors]));

  return {
    health,
    metrics,
    interceptors: [
      observeCalls({
        started: (service, method) => metrics.rpcStarted(service, method),
        finished: (call) => metrics.rpcFinished(call.service, call.method, call.code, call.durationMs / 1_000),
      }),
      observeCalls(requestLog(logger)),
    ],
    routes(target) {
      router = target;
      target.service(Health, createHealthService({ monitor: health, services: () => services().map((service) => service.typeName) }));
      target.service(ServerReflection, createReflectionService(descriptorIndex));
      target.service(ServerReflectionV1Alpha, createReflectionServiceV1Alpha(descriptorIndex));
    },
    fallback: createHttpEndpoints({
      metrics: (options.metrics ?? true) ? metrics.registry : undefined,
      health,
      metricsAccess: options.metricsAccess,
      console: options.console === false ? undefined : createConsoleFiles({ dir: options.console }),
    }),
    async start() {
      await health.probeNow();
      health.start();
    },
    drain() {
      health.drain();
    },
    stop() {
      health.stop();
      stopCounting();
    },
  };
}
