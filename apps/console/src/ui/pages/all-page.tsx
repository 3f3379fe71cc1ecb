import { useEffect } from "preact/hooks";
import type { ResolvedEvent } from "@annals/sdk";
import { ErrorMessage } from "../components/error-message.js";
import { EventCard } from "../components/event-card.js";
import { Pager } from "../components/pager.js";
import { useConnection } from "../connection.js";
import { href, navigate, type Route } from "../router.js";
import { useAsync } from "../use-async.js";

const pageSize = 20;
/** Events shown before the one a link points at. */
const context = 5;

function positionParam(route: Route, name: string): bigint | undefined {
  const text = route.query.get(name);
  return text !== null && /^\d+$/.test(text) ? BigInt(text) : undefined;
}

/**
 * The global log ($all) in position order, a window at a time: `around` an event
 * (a few before it, the event highlighted), `from` a position forwards, `before`
 * one backwards, or its last page.
 */
export function AllPage({ route }: { route: Route }) {
  const { client } = useConnection();
  const around = positionParam(route, "around");
  const from = positionParam(route, "from");
  const before = positionParam(route, "before");

  const loaded = useAsync(
    async (signal) => {
      const collect = async (options: Parameters<typeof client.readAll>[0]) => {
        const events: ResolvedEvent[] = [];
        for await (const event of client.readAll({ ...options, signal })) events.push(event);
        return events;
      };
      if (around !== undefined) {
        const earlier = around > 1n ? await collect({ direction: "backwards", fromPosition: around - 1n, maxCount: context }) : [];
        const later = await collect({ direction: "forwards", fromPosition: around, maxCount: pageSize - earlier.length });
        return [...earlier.reverse(), ...later];
      }
      if (from !== undefined) return collect({ direction: "forwards", fromPosition: from, maxCount: pageSize });
      const fromPosition = before === undefined ? "end" : before > 1n ? before - 1n : undefined;
      if (fromPosition === undefined) return [];
      return (await collect({ direction: "backwards", fromPosition, maxCount: pageSize })).reverse();
    },
    [client, around, from, before],
  );
  const events = loaded.value ?? [];
  // The event a link pointed at, in view.
  useEffect(() => {
    if (loaded.value && around !== undefined) document.querySelector(".event.highlight")?.scrollIntoView({ block: "center" });
  }, [loaded.value, around]);
  const first = events[0];
  const last = events[events.length - 1];

  return (
    <section>
      <h1>
        <span class="muted">Log</span> $all
      </h1>
      <p class="muted">
        Every event of every stream in global position order.{" "}
        {around !== undefined && (
          <>
            Around position <strong>{String(around)}</strong>.{" "}
          </>
        )}
        <a href={href("all")}>Latest</a> · <a href={href("all", undefined, { from: 1 })}>First</a>
      </p>
      <ErrorMessage error={loaded.error} />
      {loaded.value && (
        <>
          <Pager
            label={first && last ? `positions ${String(first.position)}–${String(last.position)}` : "no event here"}
            previous={first && first.position > 1n ? () => navigate(href("all", undefined, { before: first.position })) : undefined}
            next={last && events.length > 0 ? () => navigate(href("all", undefined, { from: last.position + 1n })) : undefined}
            previousLabel="Earlier"
            nextLabel="Later"
          />
          <div class="events">
            {events.map((event) => (
              <EventCard key={String(event.position)} event={event} highlight={event.position === around} showStream />
            ))}
          </div>
          {events.length === 0 && <p class="empty">No event at these positions.</p>}
        </>
      )}
    </section>
  );
}
