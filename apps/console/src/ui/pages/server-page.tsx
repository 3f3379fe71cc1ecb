import { useEffect, useState } from "preact/hooks";
import { ErrorMessage } from "../components/error-message.js";
import { Sparkline } from "../components/sparkline.js";
import { useSchemas } from "../connection.js";
import { formatCount, formatDuration, formatTime } from "../format.js";
import type { ServerSampler, ServerStats } from "../server-stats.js";

/**
 * The server as its own metrics tell (`GET /metrics`, `/readyz`): version,
 * backend, uptime, health, and charts of appends/s and live subscriptions since
 * the console was opened (up to the last five minutes).
 */
export function ServerPage({ sampler }: { sampler: ServerSampler }) {
  const [stats, setStats] = useState<ServerStats>(sampler.current());
  const schemas = useSchemas();
  useEffect(() => {
    setStats(sampler.current());
    return sampler.listen(setStats);
  }, [sampler]);
  const latest = stats.latest;
  const uptime = latest?.startedAt === undefined ? undefined : latest.at - latest.startedAt;
  const messages = schemas.registry ? [...schemas.registry].filter((type) => type.kind === "message").length : undefined;

  return (
    <section>
      <h1>Server</h1>
      <ErrorMessage error={stats.error} />
      {stats.metricsOff && <p class="problem">This server serves no metrics (setting metrics is off): nothing to show here.</p>}
      {latest && (
        <>
          <dl class="facts" data-testid="server-facts">
            <div>
              <dt>Health</dt>
              <dd>
                {latest.ready === true ? <span class="status ok">SERVING</span> : latest.ready === false ? <span class="status bad">NOT SERVING</span> : "unknown"}
                {latest.databaseUp === false && <span class="muted"> database unreachable</span>}
              </dd>
            </div>
            <div>
              <dt>Backend</dt>
              <dd data-testid="backend">{latest.backend ?? "—"}</dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>{latest.version ?? "—"}</dd>
            </div>
            <div>
              <dt>Uptime</dt>
              <dd title={latest.startedAt ? `since ${formatTime(new Date(latest.startedAt))}` : undefined}>{uptime === undefined ? "—" : formatDuration(uptime)}</dd>
            </div>
            <div>
              <dt>Head position</dt>
              <dd>{latest.headPosition === undefined ? "—" : formatCount(latest.headPosition)}</dd>
            </div>
            <div>
              <dt>Events appended</dt>
              <dd>{latest.appendedTotal === undefined ? "—" : `${formatCount(latest.appendedTotal)} since start`}</dd>
            </div>
            <div>
              <dt>Failed calls</dt>
              <dd>{formatCount(latest.rpcErrors)} since start</dd>
            </div>
            <div>
              <dt>Schemas</dt>
              <dd>{messages === undefined ? "not loaded" : `${messages} message types`}</dd>
            </div>
          </dl>
          <div class="charts">
            <Sparkline title="Appends" unit="events/s" values={stats.points.map((point) => point.appendsPerSecond)} testId="chart-appends" />
            <Sparkline title="Live subscriptions" unit="" values={stats.points.map((point) => point.subscriptions)} testId="chart-subscriptions" />
          </div>
          <p class="muted">Sampled every 2 s from this server's /metrics while the console is open, for up to five minutes.</p>
        </>
      )}
      {!latest && !stats.error && !stats.metricsOff && <p class="empty">Reading the server's metrics…</p>}
    </section>
  );
}
