import { useEffect, useMemo, useState } from "preact/hooks";
import { ConnectionContext, SchemasContext, createConnection, storeToken, storedToken, type SchemasState } from "./connection.js";
import { AllPage } from "./pages/all-page.js";
import { CheckpointsPage } from "./pages/checkpoints-page.js";
import { LivePage } from "./pages/live-page.js";
import { ServerPage } from "./pages/server-page.js";
import { StreamPage } from "./pages/stream-page.js";
import { StreamsPage } from "./pages/streams-page.js";
import { href, useRoute } from "./router.js";
import { createServerSampler } from "./server-stats.js";

const sections = [
  { page: "streams", label: "Streams" },
  { page: "live", label: "Live" },
  { page: "all", label: "$all" },
  { page: "checkpoints", label: "Checkpoints" },
  { page: "server", label: "Server" },
];

/** The console: a header with the pages and the token, and the page the address names. */
export function App() {
  const route = useRoute();
  const [token, setToken] = useState(storedToken);
  const [draft, setDraft] = useState(token);
  const connection = useMemo(() => createConnection(token), [token]);
  const sampler = useMemo(() => createServerSampler(connection), [connection]);
  useEffect(() => () => sampler.stop(), [sampler]);
  const [schemas, setSchemas] = useState<SchemasState>({ registry: undefined, error: undefined });
  useEffect(() => {
    let current = true;
    setSchemas({ registry: undefined, error: undefined });
    connection.schemas().then(
      (registry) => current && setSchemas({ registry, error: undefined }),
      (error: unknown) => current && setSchemas({ registry: undefined, error }),
    );
    return () => {
      current = false;
    };
  }, [connection]);

  const active = route.page === "stream" ? "streams" : route.page;
  // Filters live in the address: a page with other filters starts afresh (its own paging state).
  const pageKey = `${route.page}/${route.arg ?? ""}?${route.page === "streams" || route.page === "checkpoints" ? route.query.toString() : ""}`;
  let page;
  switch (route.page) {
    case "stream":
      page = <StreamPage route={route} />;
      break;
    case "all":
      page = <AllPage route={route} />;
      break;
    case "live":
      page = <LivePage route={route} />;
      break;
    case "checkpoints":
      page = <CheckpointsPage key={pageKey} route={route} />;
      break;
    case "server":
      page = <ServerPage sampler={sampler} />;
      break;
    default:
      page = <StreamsPage key={pageKey} route={route} />;
  }

  return (
    <ConnectionContext.Provider value={connection}>
      <SchemasContext.Provider value={schemas}>
        <header class="top">
          <a class="brand" href={href("streams")}>
            Annals
          </a>
          <nav>
            {sections.map((section) => (
              <a key={section.page} href={href(section.page)} class={active === section.page ? "active" : ""} data-testid={`nav-${section.page}`}>
                {section.label}
              </a>
            ))}
          </nav>
          <form
            class="token"
            onSubmit={(event) => {
              event.preventDefault();
              storeToken(draft.trim());
              setToken(draft.trim());
            }}
          >
            <label>
              Token
              <input
                type="password"
                name="token"
                autoComplete="off"
                placeholder="none"
                value={draft}
                onInput={(event) => setDraft(event.currentTarget.value)}
                data-testid="token"
              />
            </label>
            <button type="submit" data-testid="use-token">
              Use
            </button>
            <span class="muted" data-testid="token-state">
              {token ? "token set" : "no token"}
            </span>
          </form>
        </header>
        <main>{page}</main>
      </SchemasContext.Provider>
    </ConnectionContext.Provider>
  );
}
