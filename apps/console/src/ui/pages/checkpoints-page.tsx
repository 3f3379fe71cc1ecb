import { useState } from "preact/hooks";
import { ErrorMessage } from "../components/error-message.js";
import { Pager } from "../components/pager.js";
import { useConnection } from "../connection.js";
import { formatAgo, formatCount, formatTime } from "../format.js";
import { href, navigate, type Route } from "../router.js";
import { useAsync } from "../use-async.js";

const pageSize = 50;

/**
 * The stored checkpoints (ListCheckpoints), each with its lag: how many positions
 * of the log lie between it and the head, read with the same page.
 */
export function CheckpointsPage({ route }: { route: Route }) {
  const { client } = useConnection();
  const prefix = route.query.get("prefix") ?? "";
  const [tokens, setTokens] = useState<string[]>([]);
  const [refreshed, setRefreshed] = useState(0);
  const [draft, setDraft] = useState(prefix);
  const pageToken = tokens[tokens.length - 1];
  const page = useAsync((signal) => client.listCheckpoints({ prefix, pageSize, pageToken, signal }), [client, prefix, pageToken, refreshed]);
  const head = page.value?.headPosition ?? 0n;
  const largest = (page.value?.checkpoints ?? []).reduce((most, checkpoint) => (head - checkpoint.position > most ? head - checkpoint.position : most), 0n);
  const now = Date.now();

  return (
    <section>
      <h1>Checkpoints</h1>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setTokens([]);
          navigate(href("checkpoints", undefined, { prefix: draft }));
        }}
      >
        <label>
          Name starts with
          <input name="prefix" value={draft} placeholder="prefix" onInput={(event) => setDraft(event.currentTarget.value)} />
        </label>
        <button type="submit">Search</button>
        <button type="button" class="secondary" onClick={() => setRefreshed(refreshed + 1)}>
          Refresh
        </button>
        {page.value && (
          <span class="muted">
            head of the log: position <a href={href("all", undefined, { around: head })}>{String(head)}</a>
          </span>
        )}
      </form>
      <ErrorMessage error={page.error} />
      {page.value && (
        <>
          <table class="list" data-testid="checkpoints">
            <thead>
              <tr>
                <th>Checkpoint</th>
                <th class="number">Position</th>
                <th class="number">Lag (positions)</th>
                <th />
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {page.value.checkpoints.map((checkpoint) => {
                const lag = head > checkpoint.position ? head - checkpoint.position : 0n;
                const share = largest > 0n ? Number((lag * 1000n) / largest) / 10 : 0;
                return (
                  <tr key={checkpoint.name} data-testid="checkpoint-row">
                    <td>{checkpoint.name}</td>
                    <td class="number">
                      <a href={href("all", undefined, { around: checkpoint.position })}>{String(checkpoint.position)}</a>
                    </td>
                    <td class="number" data-testid="lag">
                      {lag === 0n ? <span class="ok">up to date</span> : formatCount(lag)}
                    </td>
                    <td class="bar-cell">
                      <span class="bar" style={{ width: `${share}%` }} />
                    </td>
                    <td>
                      {formatTime(checkpoint.updatedAt)} <span class="muted">{formatAgo(checkpoint.updatedAt, now)}</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {page.value.checkpoints.length === 0 && <p class="empty">No checkpoint {prefix ? `starts with “${prefix}”` : "is stored yet"}.</p>}
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
