import { useState } from "preact/hooks";
import { ErrorMessage } from "../components/error-message.js";
import { Pager } from "../components/pager.js";
import { useConnection } from "../connection.js";
import { categoryOf, formatAgo, formatCount, formatTime } from "../format.js";
import { href, navigate, type Route } from "../router.js";
import { useAsync } from "../use-async.js";

const pageSizes = [10, 20, 50, 100];

/**
 * The streams in name order, a page at a time (ListStreams): by category (the
 * name up to its first `-`) and by name prefix. The filters live in the address;
 * the page tokens behind "Previous" in the page's state.
 */
export function StreamsPage({ route }: { route: Route }) {
  const { client } = useConnection();
  const category = route.query.get("category") ?? "";
  const search = route.query.get("prefix") ?? "";
  const size = pageSizes.includes(Number(route.query.get("size"))) ? Number(route.query.get("size")) : 20;
  const prefix = category ? `${category}-${search}` : search;
  // The tokens of the pages before this one; the last is this page's.
  const [tokens, setTokens] = useState<string[]>([]);
  const pageToken = tokens[tokens.length - 1];
  const page = useAsync((signal) => client.listStreamsPage({ prefix, pageSize: size, pageToken, signal }), [client, prefix, size, pageToken]);
  const [draft, setDraft] = useState({ category, search });
  const categories = [...new Set((page.value?.streams ?? []).map((stream) => categoryOf(stream.stream)).filter((name) => name !== undefined))];

  const apply = (next: { category: string; search: string; size?: number }) => {
    setTokens([]);
    navigate(href("streams", undefined, { category: next.category.trim(), prefix: next.search, size: next.size ?? size }));
  };
  const now = Date.now();

  return (
    <section>
      <h1>Streams</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          apply(draft);
        }}
      >
        <label>
          Category
          <input
            name="category"
            list="categories"
            placeholder="e.g. account"
            value={draft.category}
            onInput={(event) => setDraft({ ...draft, category: event.currentTarget.value })}
          />
          <datalist id="categories">
            {categories.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <label>
          Name starts with
          <input name="prefix" placeholder={category ? `${category}-…` : "prefix"} value={draft.search} onInput={(event) => setDraft({ ...draft, search: event.currentTarget.value })} />
        </label>
        <label>
          Per page
          <select value={String(size)} onChange={(event) => apply({ ...draft, size: Number(event.currentTarget.value) })}>
            {pageSizes.map((option) => (
              <option key={option} value={String(option)}>
                {option}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
        {(category || search) && (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft({ category: "", search: "" });
              apply({ category: "", search: "" });
            }}
          >
            Clear
          </button>
        )}
      </form>
      <ErrorMessage error={page.error} />
      {page.value && (
        <>
          <table class="list" data-testid="streams">
            <thead>
              <tr>
                <th>Stream</th>
                <th>Category</th>
                <th class="number">Events</th>
                <th class="number">Last revision</th>
                <th class="number">Last position</th>
                <th>Last write</th>
              </tr>
            </thead>
            <tbody>
              {page.value.streams.map((stream) => {
                const streamCategory = categoryOf(stream.stream);
                return (
                  <tr key={stream.stream} data-testid="stream-row">
                    <td>
                      <a href={href("stream", stream.stream)}>{stream.stream}</a>
                    </td>
                    <td>{streamCategory ? <a href={href("streams", undefined, { category: streamCategory, size })}>{streamCategory}</a> : <span class="muted">—</span>}</td>
                    <td class="number">{formatCount(stream.eventCount)}</td>
                    <td class="number">{String(stream.lastRevision)}</td>
                    <td class="number">
                      <a href={href("all", undefined, { around: stream.lastPosition })}>{String(stream.lastPosition)}</a>
                    </td>
                    <td>
                      {formatTime(stream.lastRecordedAt)} <span class="muted">{formatAgo(stream.lastRecordedAt, now)}</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {page.value.streams.length === 0 && <p class="empty">{prefix ? `No stream starts with “${prefix}”.` : "No stream yet: append an event and it shows here."}</p>}
          <Pager
            label={`page ${tokens.length + 1}`}
            previous={tokens.length > 0 ? () => setTokens(tokens.slice(0, -1)) : undefined}
            next={page.value.nextPageToken ? () => setTokens([...tokens, page.value!.nextPageToken!]) : undefined}
          />
        </>
      )}
    </section>
  );
}
