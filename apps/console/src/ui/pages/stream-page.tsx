import type { ResolvedEvent } from "@annals/sdk";
import { ErrorMessage } from "../components/error-message.js";
import { EventCard } from "../components/event-card.js";
import { Pager } from "../components/pager.js";
import { useConnection } from "../connection.js";
import { formatCount } from "../format.js";
import { href, navigate, type Route } from "../router.js";
import { useAsync } from "../use-async.js";

const pageSize = 20;

/**
 * One stream's events, newest or oldest first, a page at a time (ReadStream from
 * a revision with a max count). Revisions are contiguous, so each page is named
 * by the revision it starts from, in the address.
 */
export function StreamPage({ route }: { route: Route }) {
  const { client } = useConnection();
  const stream = route.arg ?? "";
  const newestFirst = route.query.get("order") !== "oldest";
  const fromText = route.query.get("from");
  const from = fromText !== null && /^\d+$/.test(fromText) ? BigInt(fromText) : undefined;
  const link = (query: { order?: string; from?: bigint }) => href("stream", stream, { order: query.order ?? (newestFirst ? undefined : "oldest"), from: query.from });

  const loaded = useAsync(
    async (signal) => {
      const state = await client.getStream(stream, { signal });
      const events: ResolvedEvent[] = [];
      if (state) {
        for await (const event of client.readStream(stream, {
          direction: newestFirst ? "backwards" : "forwards",
          fromRevision: from ?? (newestFirst ? "end" : "start"),
          maxCount: pageSize,
          signal,
        })) {
          events.push(event);
        }
      }
      return { state, events };
    },
    [client, stream, newestFirst, from],
  );

  const value = loaded.value;
  const last = value?.state?.lastRevision;
  const first = value?.events[0];
  const final = value?.events[value.events.length - 1];
  let previous: (() => void) | undefined;
  let next: (() => void) | undefined;
  if (first && final && last !== undefined) {
    if (newestFirst) {
      if (first.revision < last) previous = () => navigate(link({ from: min(last, first.revision + BigInt(pageSize)) }));
      if (final.revision > 0n) next = () => navigate(link({ from: final.revision - 1n }));
    } else {
      if (first.revision > 0n) previous = () => navigate(link({ from: first.revision > BigInt(pageSize) ? first.revision - BigInt(pageSize) : 0n }));
      if (final.revision < last) next = () => navigate(link({ from: final.revision + 1n }));
    }
  }

  return (
    <section>
      <h1>
        <span class="muted">Stream</span> {stream}
      </h1>
      <div class="toolbar">
        <a class={newestFirst ? "toggle on" : "toggle"} href={link({ order: "newest" })} data-testid="newest-first">
          Newest first
        </a>
        <a class={newestFirst ? "toggle" : "toggle on"} href={link({ order: "oldest" })} data-testid="oldest-first">
          Oldest first
        </a>
        {value?.state && (
          <span class="muted">
            {formatCount(value.state.lastRevision + 1n)} events · last position{" "}
            <a href={href("all", undefined, { around: value.state.lastPosition })}>{String(value.state.lastPosition)}</a> ·{" "}
            <a href={href("live", undefined, { stream })}>follow live</a>
          </span>
        )}
      </div>
      <ErrorMessage error={loaded.error} />
      {value && !value.state && <p class="empty">No stream named “{stream}”.</p>}
      {value?.state && (
        <>
          <Pager
            label={first && final ? `revisions ${String(first.revision)}–${String(final.revision)} of 0–${String(last)}` : ""}
            previous={previous}
            next={next}
            previousLabel={newestFirst ? "Newer" : "Earlier"}
            nextLabel={newestFirst ? "Older" : "Later"}
          />
          <div class="events">
            {value.events.map((event) => (
              <EventCard key={String(event.revision)} event={event} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
