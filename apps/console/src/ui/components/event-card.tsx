import type { ResolvedEvent } from "@annals/sdk";
import { useSchemas } from "../connection.js";
import { formatTime } from "../format.js";
import { renderPayload } from "../payload.js";
import { href } from "../router.js";

/** One event: revision, position (a link to it in $all), type, time, metadata and its payload. */
export function EventCard({ event, highlight = false, showStream = false }: { event: ResolvedEvent; highlight?: boolean; showStream?: boolean }) {
  const { registry } = useSchemas();
  const payload = renderPayload(event, registry);
  const metadata = Object.entries(event.metadata).sort(([a], [b]) => (a < b ? -1 : 1));
  return (
    <article class={highlight ? "event highlight" : "event"} data-testid="event" data-position={String(event.position)} data-revision={String(event.revision)}>
      <header>
        {showStream && (
          <a class="stream" href={href("stream", event.stream)}>
            {event.stream}
          </a>
        )}
        <span class="revision" title="revision in its stream">
          #{String(event.revision)}
        </span>
        <a class="position" href={href("all", undefined, { around: event.position })} title="its position in $all">
          @{String(event.position)}
        </a>
        <span class="type">{event.type}</span>
        <time dateTime={event.recordedAt.toISOString()}>{formatTime(event.recordedAt)}</time>
      </header>
      {metadata.length > 0 && (
        <dl class="metadata">
          {metadata.map(([key, value]) => (
            <div>
              <dt>{key}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <div class="payload">
        <span class={`badge ${payload.kind}`} title={payload.note}>
          {payload.kind === "protobuf" ? "protobuf → JSON" : payload.kind}
        </span>
        {payload.note && <span class="muted note">{payload.note}</span>}
        <pre data-testid="payload">{payload.text}</pre>
      </div>
    </article>
  );
}
