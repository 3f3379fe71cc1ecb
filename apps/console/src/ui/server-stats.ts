import type { Connection } from "./connection.js";
import { HttpStatusError } from "./errors.js";
import { parsePrometheus, sampleOf } from "./metrics.js";

/** What one scrape of `/metrics` (and `/readyz`) told. */
export interface ServerSnapshot {
  /** When, by the server's clock (its `date` header) when it sent one, ms. */
  at: number;
  version: string | undefined;
  backend: string | undefined;
  /** When the server started, ms since the epoch. */
  startedAt: number | undefined;
  /** `/readyz`: serving (true), not serving (false), or unknown. */
  ready: boolean | undefined;
  databaseUp: boolean | undefined;
  appendedTotal: number | undefined;
  subscriptions: number | undefined;
  headPosition: number | undefined;
  rpcErrors: number;
}

/** One point of the charts. */
export interface ServerPoint {
  at: number;
  appendsPerSecond: number | undefined;
  subscriptions: number | undefined;
}

export interface ServerStats {
  latest: ServerSnapshot | undefined;
  points: ServerPoint[];
  error: unknown;
  /** The server serves no metrics (setting `metrics` off). */
  metricsOff: boolean;
}

export interface ServerSampler {
  current(): ServerStats;
  /** Calls `listener` after each scrape; returns the function that stops it. */
  listen(listener: (stats: ServerStats) => void): () => void;
  stop(): void;
}

/**
 * Scrapes the server's own metrics every `intervalMs` while the console is open
 * (whatever page shows), keeping `keepMs` of history for the Server page's charts:
 * appends/s (the increase of `annals_events_appended_total`) and live subscriptions.
 */
export function createServerSampler(connection: Connection, intervalMs = 2_000, keepMs = 5 * 60_000): ServerSampler {
  const listeners = new Set<(stats: ServerStats) => void>();
  let stats: ServerStats = { latest: undefined, points: [], error: undefined, metricsOff: false };
  const stop = new AbortController();

  const scrape = async () => {
    try {
      const [metrics, ready] = await Promise.all([connection.fetchPath("/metrics", stop.signal), connection.fetchPath("/readyz", stop.signal)]);
      if (metrics.status === 404) {
        stats = { ...stats, metricsOff: true, error: undefined };
        return;
      }
      if (!metrics.ok) throw new HttpStatusError("/metrics", metrics.status, await metrics.text());
      const samples = parsePrometheus(await metrics.text());
      const date = Date.parse(metrics.headers.get("date") ?? "");
      const info = sampleOf(samples, "annals_server_info");
      const value = (name: string) => sampleOf(samples, name)?.value;
      const errors = samples.filter((sample) => sample.name === "annals_rpc_errors_total").reduce((sum, sample) => sum + sample.value, 0);
      const snapshot: ServerSnapshot = {
        at: Number.isNaN(date) ? Date.now() : Math.max(date, stats.latest?.at ?? 0),
        version: info?.labels["version"],
        backend: info?.labels["backend"],
        startedAt: value("annals_server_start_time_seconds") === undefined ? undefined : value("annals_server_start_time_seconds")! * 1_000,
        ready: ready.status === 200 ? true : ready.status === 503 ? false : undefined,
        databaseUp: value("annals_database_up") === undefined ? undefined : value("annals_database_up") === 1,
        appendedTotal: value("annals_events_appended_total"),
        subscriptions: value("annals_subscriptions_active"),
        headPosition: value("annals_head_position"),
        rpcErrors: errors,
      };
      const previous = stats.latest;
      const seconds = previous ? (performance.now() - lastScrape) / 1_000 : 0;
      const appendsPerSecond =
        previous?.appendedTotal !== undefined && snapshot.appendedTotal !== undefined && seconds > 0
          ? Math.max(0, snapshot.appendedTotal - previous.appendedTotal) / seconds
          : undefined;
      const now = Date.now();
      const points = [...stats.points, { at: now, appendsPerSecond, subscriptions: snapshot.subscriptions }].filter((point) => point.at >= now - keepMs);
      stats = { latest: snapshot, points, error: undefined, metricsOff: false };
    } catch (error) {
      if (stop.signal.aborted) return;
      stats = { ...stats, error };
    } finally {
      lastScrape = performance.now();
      if (!stop.signal.aborted) for (const listener of listeners) listener(stats);
    }
  };

  let lastScrape = performance.now();
  void scrape();
  const timer = setInterval(() => void scrape(), intervalMs);

  return {
    current: () => stats,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      stop.abort();
      clearInterval(timer);
      listeners.clear();
    },
  };
}
