import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { createFileRegistry, type Registry } from "@bufbuild/protobuf";
import { createAnnalsClient, type AnnalsClient, type AnnalsClientOptions } from "@annals/sdk";

type Interceptor = NonNullable<AnnalsClientOptions["interceptors"]>[number];

/** The console's way to the server: the SDK's client and the plain HTTP paths, both with the token. */
export interface Connection {
  readonly client: AnnalsClient;
  /** The bearer token sent with every call; empty for none. */
  readonly token: string;
  /** GET one of the server's plain HTTP paths (`/metrics`, `/readyz`) with the token. */
  fetchPath(path: string, signal?: AbortSignal): Promise<Response>;
  /** The server's protobuf schemas as a registry (GetSchemas), loaded once per connection. */
  schemas(): Promise<Registry>;
}

const tokenKey = "annals.console.token";

/** The token kept for this tab (sessionStorage: it goes when the tab closes). */
export function storedToken(): string {
  try {
    return sessionStorage.getItem(tokenKey) ?? "";
  } catch {
    return "";
  }
}

export function storeToken(token: string): void {
  try {
    if (token === "") sessionStorage.removeItem(tokenKey);
    else sessionStorage.setItem(tokenKey, token);
  } catch {
    // Storage refused (private mode): the token lasts until the page reloads.
  }
}

function bearer(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

/** A connection to the server that served the page (same origin), over the Connect protocol. */
export function createConnection(token: string): Connection {
  const client = createAnnalsClient({ baseUrl: location.origin, interceptors: token === "" ? [] : [bearer(token)] });
  let schemas: Promise<Registry> | undefined;
  return {
    client,
    token,
    fetchPath(path, signal) {
      return fetch(path, { headers: token === "" ? {} : { authorization: `Bearer ${token}` }, cache: "no-store", signal });
    },
    schemas() {
      schemas ??= client.getSchemas().then((set) => createFileRegistry(set));
      return schemas;
    },
  };
}

export const ConnectionContext = createContext<Connection | undefined>(undefined);

export function useConnection(): Connection {
  const connection = useContext(ConnectionContext);
  if (!connection) throw new Error("useConnection outside ConnectionContext");
  return connection;
}

/** The schemas as the pages see them: a registry once loaded, or why there is none. */
export interface SchemasState {
  registry: Registry | undefined;
  error: unknown;
}

export const SchemasContext = createContext<SchemasState>({ registry: undefined, error: undefined });

export function useSchemas(): SchemasState {
  return useContext(SchemasContext);
}
