import { useEffect, useState } from "preact/hooks";

/** Where the console is: `#/<page>/<arg>?<query>`, e.g. `#/stream/account-1?order=oldest`. */
export interface Route {
  page: string;
  /** The page's subject (a stream name), decoded. */
  arg: string | undefined;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const [path = "", search = ""] = splitOnce(text, "?");
  const [page = "", arg] = splitOnce(path, "/");
  let decoded: string | undefined;
  try {
    decoded = arg === undefined || arg === "" ? undefined : decodeURIComponent(arg);
  } catch {
    decoded = undefined;
  }
  return { page: page || "streams", arg: decoded, query: new URLSearchParams(search) };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

type QueryValue = string | number | bigint | undefined;

/** The link to a page: `href("stream", "account-1", { order: "oldest" })`. Empty values are left out. */
export function href(page: string, arg?: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(key, String(value));
  const search = params.toString();
  return `#/${page}${arg === undefined ? "" : `/${encodeURIComponent(arg)}`}${search ? `?${search}` : ""}`;
}

export function navigate(to: string): void {
  location.hash = to.slice(1);
}

/** The current route, following the address bar. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
