import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { PoolStats } from "@annals/store";

/** One live subscription, as the metrics see it. */
export interface SubscriptionTracker {
  /** The global position of the last event delivered to the subscriber. */
  delivered(position: bigint | number): void;
  /** The subscription ended. Idempotent. */
  close(): void;
}

/** What the subscriptions code reports: opened and closed subscriptions, and how far behind they are. */
export interface SubscriptionMetrics {
  /**
   * Counts a new subscription as active until `close()`. `from` is the position it
   * starts after (default: the head, i.e. live only); its lag is measured from there.
   */
  open(from?: bigint | number): SubscriptionTracker;
}

export interface ServerMetricsOptions {
  /** The connection pools' use, read on every scrape. Default: none. */
  poolStats?: () => readonly PoolStats[];
  /** Node.js process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
  /** What `annals_server_info` tells: the server's version and its store's backend. Default: no such metric. */
  info?: { version: string; backend: string };
}

/** The server's Prometheus metrics, in a registry of its own. */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly subscriptions: SubscriptionMetrics;
  /** An RPC started. */
  rpcStarted(service: string, method: string): void;
  /** An RPC ended with `code` (a gRPC status name, e.g. `OK`, `NOT_FOUND`) after `seconds`. */
  rpcFinished(service: string, method: string, code: string, seconds: number): void;
  /** Events a commit made durable. */
  eventsAppended(count: number): void;
  /** The global position of the last committed event, as last seen. */
  headPosition(position: number): void;
  /** Whether the last database probe answered. */
  databaseReachable(reachable: boolean): void;
  /** The server refused or closed a connection for cause: slow headers, idle, a dead peer, too many connections or resets. */
  connectionClosed(reason: string): void;
}

/** Latency buckets, seconds: sub-millisecond appends up to long reads. */
const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Creates the metrics in a fresh registry, so that servers in one process do not share them. */
export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: "annals_rpc_requests_total",
    help: "RPCs handled, by service, method and gRPC status code",
    labelNames: ["service", "method", "code"] as const,
    registers,
  });
  const errors = new Counter({
    name: "annals_rpc_errors_total",
    help: "RPCs that ended with a status other than OK, by service, method and code",
    labelNames: ["service", "method", "code"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "annals_rpc_duration_seconds",
    help: "Time from the start of an RPC to its status, by service and method (streams: until they end)",
    labelNames: ["service", "method"] as const,
    buckets: latencyBuckets,
    registers,
  });
  const inFlight = new Gauge({
    name: "annals_rpc_in_flight",
    help: "RPCs started and not yet ended, by service and method",
    labelNames: ["service", "method"] as const,
    registers,
  });
  const appended = new Counter({ name: "annals_events_appended_total", help: "Events committed by this server", registers });
  let head = 0;
  new Gauge({
    name: "annals_head_position",
    help: "Global position of the last committed event",
    registers,
    collect() {
      this.set(head);
    },
  });
  if (options.info) {
    new Gauge({ name: "annals_server_info", help: "Always 1: the server's version and its store's backend, as labels", labelNames: ["version", "backend"] as const, registers }).set(
      options.info,
      1,
    );
  }
  new Gauge({ name: "annals_server_start_time_seconds", help: "When the server started, seconds since the Unix epoch", registers }).set(Date.now() / 1_000);
  const connectionsClosed = new Counter({
    name: "annals_connections_closed_total",
    help: "Connections the server refused or closed for cause, by reason (headers-timeout, idle, keepalive-timeout, too-many-connections, too-many-resets)",
    labelNames: ["reason"] as const,
    registers,
  });
  const database = new Gauge({ name: "annals_database_up", help: "1 when the last database probe answered in time, else 0", registers });
  database.set(1);

  const active = new Set<{ position: number }>();
  new Gauge({
    name: "annals_subscriptions_active",
    help: "Live subscriptions",
    registers,
    collect() {
      this.set(active.size);
    },
  });
  new Gauge({
    name: "annals_subscription_lag_events",
    help: "Events between the head of the log and the slowest live subscription",
    registers,
    collect() {
      let lag = 0;
      for (const subscription of active) lag = Math.max(lag, head - subscription.position);
      this.set(lag);
    },
  });

  if (options.poolStats) {
    const poolStats = options.poolStats;
    const connections = new Gauge({
      name: "annals_db_pool_connections",
      help: "Database connections by pool and state (used, free), and callers waiting for one (pending)",
      labelNames: ["pool", "state"] as const,
      registers,
      collect() {
        for (const stats of poolStats()) {
          connections.set({ pool: stats.pool, state: "used" }, stats.used);
          connections.set({ pool: stats.pool, state: "free" }, stats.free);
          connections.set({ pool: stats.pool, state: "pending" }, stats.pending);
        }
      },
    });
    const max = new Gauge({
      name: "annals_db_pool_max_connections",
      help: "Most connections each database pool opens",
      labelNames: ["pool"] as const,
      registers,
      collect() {
        for (const stats of poolStats()) max.set({ pool: stats.pool }, stats.max);
      },
    });
  }

  return {
    registry,
    subscriptions: {
      open(from) {
        const subscription = { position: from === undefined ? head : Number(from) };
        active.add(subscription);
        return {
          delivered(position) {
            subscription.position = Number(position);
          },
          close() {
            active.delete(subscription);
          },
        };
      },
    },
    rpcStarted(service, method) {
      inFlight.inc({ service, method });
    },
    rpcFinished(service, method, code, seconds) {
      inFlight.dec({ service, method });
      requests.inc({ service, method, code });
      if (code !== "OK") errors.inc({ service, method, code });
      duration.observe({ service, method }, seconds);
    },
    eventsAppended(count) {
      appended.inc(count);
    },
    headPosition(position) {
      head = Math.max(head, position);
    },
    databaseReachable(reachable) {
      database.set(reachable ? 1 : 0);
    },
    connectionClosed(reason) {
      connectionsClosed.inc({ reason });
    },
  };
}
