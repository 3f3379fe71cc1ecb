import { useEffect, useRef, useState } from "preact/hooks";
import type { ResolvedEvent, SubscriptionTarget } from "@annals/sdk";
import { ErrorMessage } from "../components/error-message.js";
import { useConnection, useSchemas } from "../connection.js";
import { describeError } from "../errors.js";
import { formatTime } from "../format.js";
import { renderPayload } from "../payload.js";
import { href, navigate, type Route } from "../router.js";

/** Rows kept on screen, newest first. */
const keptRows = 300;
/** Events/s is counted over this window, ms. */
const rateWindowMs = 5_000;

type Row = { kind: "event"; key: string; event: ResolvedEvent; receivedAt: Date } | { kind: "caught-up"; key: string; position: bigint; at: Date };

interface Filters {
  stream: string;
  category: string;
  type: string;
}

function targetOf(filters: Filters): SubscriptionTarget {
  if (filters.stream) return { stream: filters.stream };
  if (filters.category) return { category: filters.category };
  return { all: true };
}

/**
 * The live tail (Subscribe) of `$all`, a category (stream-name prefix) or one
 * stream, narrowed by an event-type prefix. It starts at the end of the log; the
 * moment the subscription caught up is marked in the list. Pausing ends the
 * subscription and remembers its position: resuming replays what came meanwhile.
 */
export function LivePage({ route }: { route: Route }) {
  const connection = useConnection();
  const { registry } = useSchemas();
  const filters: Filters = { stream: route.query.get("stream") ?? "", category: route.query.get("category") ?? "", type: route.query.get("type") ?? "" };
  const filterKey = `${filters.stream}\n${filters.category}\n${filters.type}`;
  const [draft, setDraft] = useState(filters);
  const [running, setRunning] = useState(true);
  // The rows belong to the filters they were received under: a render with new filters
  // shows none of the old ones, even before the effects below have run.
  const [tail, setTail] = useState<{ key: string; rows: Row[] }>({ key: filterKey, rows: [] });
  const rows = tail.key === filterKey ? tail.rows : [];
  const addRows = (key: string, added: Row[]) =>
    setTail((current) => ({ key, rows: [...added, ...(current.key === key ? current.rows : [])].slice(0, keptRows) }));
  const [status, setStatus] = useState("connecting…");
  const [error, setError] = useState<unknown>();
  const [rate, setRate] = useState(0);
  const [received, setReceived] = useState(0);
  const resumeAfter = useRef<bigint | undefined>(undefined);
  const arrivals = useRef<number[]>([]);

  // New filters: a new tail from the end.
  useEffect(() => {
    resumeAfter.current = undefined;
    arrivals.current = [];
    setTail({ key: filterKey, rows: [] });
    setReceived(0);
    setDraft(filters);
    setRunning(true);
  }, [filterKey, connection]);

  useEffect(() => {
    if (!running) {
      setStatus("paused");
      return;
    }
    const stop = new AbortController();
    setError(undefined);
    setStatus(resumeAfter.current === undefined ? "catching up…" : `resuming after ${String(resumeAfter.current)}…`);
    const after = resumeAfter.current;
    const subscription = connection.client.subscribe({
      ...targetOf(filters),
      from: after === undefined ? "end" : { after },
      filter: filters.type ? { eventTypePrefixes: [filters.type] } : undefined,
      signal: stop.signal,
      onCaughtUp: (position) => {
        if (!filters.stream) resumeAfter.current = position;
        const at = new Date();
        addRows(filterKey, [{ kind: "caught-up" as const, key: `caught-up-${at.getTime()}`, position, at }]);
        setStatus("live");
      },
      onReconnect: (problem, attempt) => setStatus(`reconnecting (attempt ${attempt}): ${describeError(problem, connection.token).detail}`),
    });
    void (async () => {
      try {
        for await (const batch of subscription.batches()) {
          const receivedAt = new Date();
          const now = performance.now();
          for (let index = 0; index < batch.length; index += 1) arrivals.current.push(now);
          resumeAfter.current = filters.stream ? batch[batch.length - 1]!.revision : subscription.position;
          const added: Row[] = batch.map((event) => ({ kind: "event" as const, key: `${String(event.position)}`, event, receivedAt })).reverse();
          addRows(filterKey, added);
          setReceived((count) => count + batch.length);
          if (subscription.isCaughtUp) setStatus("live");
        }
      } catch (failure) {
        if (!stop.signal.aborted) {
          setError(failure);
          setStatus("stopped");
          setRunning(false);
        }
      }
    })();
    return () => {
      if (!filters.stream && subscription.position !== undefined) resumeAfter.current = subscription.position;
      stop.abort();
    };
  }, [running, filterKey, connection]);

  useEffect(() => {
    const timer = setInterval(() => {
      const since = performance.now() - rateWindowMs;
      arrivals.current = arrivals.current.filter((at) => at >= since);
      setRate(arrivals.current.length / (rateWindowMs / 1_000));
    }, 500);
    return () => clearInterval(timer);
  }, []);

  const what = filters.stream ? `stream ${filters.stream}` : filters.category ? `category ${filters.category}…` : "$all";

  return (
    <section>
      <h1>
        <span class="muted">Live</span> {what}
        {filters.type && <span class="muted"> · types {filters.type}…</span>}
      </h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(href("live", undefined, { stream: draft.stream.trim(), category: draft.stream ? "" : draft.category, type: draft.type }));
        }}
      >
        <label>
          Category (stream prefix)
          <input name="category" placeholder="all streams" value={draft.category} disabled={draft.stream !== ""} onInput={(event) => setDraft({ ...draft, category: event.currentTarget.value })} />
        </label>
        <label>
          Event type prefix
          <input name="type" placeholder="any type" value={draft.type} onInput={(event) => setDraft({ ...draft, type: event.currentTarget.value })} />
        </label>
        {draft.stream && (
          <label>
            Stream
            <input name="stream" value={draft.stream} onInput={(event) => setDraft({ ...draft, stream: event.currentTarget.value })} />
          </label>
        )}
        <button type="submit">Follow</button>
        <button type="button" class="secondary" onClick={() => setRunning(!running)} data-testid="pause">
          {running ? "Pause" : "Resume"}
        </button>
      </form>
      <div class="live-status">
        <span class={`status ${status === "live" ? "ok" : status === "paused" ? "idle" : "busy"}`} data-testid="live-status">
          {status}
        </span>
        <span data-testid="rate">{rate.toFixed(1)} events/s</span>
        <span class="muted">{received.toLocaleString("en-US")} received</span>
      </div>
      <ErrorMessage error={error} />
      <table class="list live" data-testid="live">
        <thead>
          <tr>
            <th>Received</th>
            <th class="number">Position</th>
            <th>Stream</th>
            <th class="number">Rev.</th>
            <th>Type</th>
            <th>Payload</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) =>
            row.kind === "caught-up" ? (
              <tr key={row.key} class="caught-up" data-testid="caught-up">
                <td>{formatTime(row.at)}</td>
                <td colSpan={5}>
                  Caught up at position <a href={href("all", undefined, { around: row.position })}>{String(row.position)}</a>: what follows is live
                </td>
              </tr>
            ) : (
              <tr key={row.key} data-testid="live-event" data-stream={row.event.stream} data-position={String(row.event.position)}>
                <td>{formatTime(row.receivedAt)}</td>
                <td class="number">
                  <a href={href("all", undefined, { around: row.event.position })}>{String(row.event.position)}</a>
                </td>
                <td>
                  <a href={href("stream", row.event.stream)}>{row.event.stream}</a>
                </td>
                <td class="number">{String(row.event.revision)}</td>
                <td>{row.event.type}</td>
                <td class="summary">{renderPayload(row.event, registry).summary}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">Waiting for events…</p>}
    </section>
  );
}
