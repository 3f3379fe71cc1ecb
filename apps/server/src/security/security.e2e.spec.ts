import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { EventStore } from "@annals/protocol";
import { Health, ServerReflection } from "@annals/protocol/grpc";
import { createAuthenticator } from "./authenticator.js";
import { createTestCredentials, type TestCredentials } from "../testing/credentials.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

type EventStoreClient = Client<typeof EventStore>;
type Credential = "none" | "bad" | "expired" | "insufficient" | "sufficient";

interface Seed {
  id: string;
  /** Streams a delete or tombstone takes, one per call (a refused call leaves its one alone). */
  victims: string[];
  /** Every such stream, to check that refusals changed none. */
  allVictims: string[];
}

/**
 * Every RPC with a request on the resources `full` is granted (`acct-…`), and what
 * `narrow` (granted only `other-…`) is answered. An `admin` row needs the admin
 * grant: its sufficient credential is the administrator's key, and `full` (every
 * grant but admin) is the insufficient one.
 */
const calls: Record<keyof typeof EventStore.method, { run: (client: EventStoreClient, seed: Seed, signal: AbortSignal) => Promise<unknown>; narrow: Code | "OK"; admin?: true }> = {
  append: { run: (client, _seed, signal) => client.append({ stream: `acct-${randomUUID()}`, events: [{ type: "t.Added", data: new Uint8Array([1]) }] }, { signal }), narrow: Code.PermissionDenied },
  readStream: { run: (client, _seed, signal) => drain(client.readStream({ stream: "acct-seed" }, { signal })), narrow: Code.PermissionDenied },
  readStreamPage: { run: (client, _seed, signal) => client.readStreamPage({ stream: "acct-seed" }, { signal }), narrow: Code.PermissionDenied },
  readAll: { run: (client, _seed, signal) => drain(client.readAll({ maxCount: 10n }, { signal })), narrow: Code.PermissionDenied },
  getStream: { run: (client, _seed, signal) => client.getStream({ stream: "acct-seed" }, { signal }), narrow: Code.PermissionDenied },
  listStreams: { run: (client, _seed, signal) => client.listStreams({ prefix: "acct-" }, { signal }), narrow: Code.PermissionDenied },
  subscribe: { run: (client, _seed, signal) => first(client.subscribe({ target: { case: "stream", value: "acct-seed" } }, { signal })), narrow: Code.PermissionDenied },
  setCheckpoint: { run: (client, _seed, signal) => client.setCheckpoint({ name: "acct-projection", position: 1n }, { signal }), narrow: Code.PermissionDenied },
  getCheckpoint: { run: (client, _seed, signal) => client.getCheckpoint({ name: "acct-projection" }, { signal }), narrow: Code.PermissionDenied },
  getEvents: { run: (client, seed, signal) => client.getEvents({ ids: [seed.id] }, { signal }), narrow: Code.PermissionDenied },
  listCheckpoints: { run: (client, _seed, signal) => client.listCheckpoints({ prefix: "acct-" }, { signal }), narrow: Code.PermissionDenied },
  getSchemas: { run: (client, _seed, signal) => client.getSchemas({}, { signal }), narrow: "OK" },
  setStreamMetadata: { run: (client, _seed, signal) => client.setStreamMetadata({ stream: "acct-seed", metadata: { custom: { owner: "ops" } } }, { signal }), narrow: Code.PermissionDenied },
  getStreamMetadata: { run: (client, _seed, signal) => client.getStreamMetadata({ stream: "acct-seed" }, { signal }), narrow: Code.PermissionDenied },
  deleteStream: { run: (client, seed, signal) => client.deleteStream({ stream: seed.victims.pop()! }, { signal }), narrow: Code.PermissionDenied },
  tombstoneStream: { run: (client, seed, signal) => client.tombstoneStream({ stream: seed.victims.pop()! }, { signal }), narrow: Code.PermissionDenied, admin: true },
  scavenge: { run: (client, _seed, signal) => drain(client.scavenge({}, { signal })), narrow: Code.PermissionDenied, admin: true },
  forgetSubject: { run: (client, _seed, signal) => client.forgetSubject({ subject: "subject-1" }, { signal }), narrow: Code.PermissionDenied, admin: true },
};

async function drain(messages: AsyncIterable<unknown>): Promise<void> {
  for await (const message of messages) void message;
}

async function first(messages: AsyncIterable<unknown>): Promise<void> {
  for await (const message of messages) {
    void message;
    return;
  }
}

async function codeOf(call: () => Promise<unknown>): Promise<Code | "OK"> {
  try {
    await call();
    return "OK";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("authentication and authorization on every path", () => {
  let server: TestServer;
  let credentials: TestCredentials;
  const logs: Array<Record<string, unknown>> = [];
  const seed: Seed = { id: "", victims: [], allVictims: [] };
  const tokens = {} as Record<Credential | "admin", string | undefined>;

  beforeAll(async () => {
    credentials = await createTestCredentials({
      full: { grants: { read: ["acct-"], write: ["acct-"], readAll: true, checkpoints: ["acct-"] }, rotated: true },
      narrow: { grants: { read: ["other-"], write: ["other-"], checkpoints: ["other-"] } },
      root: { grants: { admin: true } },
    });
    const authenticator = await createAuthenticator({
      apiKeysFile: credentials.apiKeysFile,
      jwt: { keysFile: credentials.jwksFile, issuer: credentials.issuer, audience: credentials.audience, clockSkewS: 30 },
      // JWT principals take their grants from the config file's `principals`.
      principals: { "jwt-full": { read: ["acct-"], write: ["acct-"], readAll: true, checkpoints: ["acct-"] } },
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n")) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    server = await startTestServer({ server: { authenticator, logger: pino({ level: "info" }, sink) } });
    seed.id = randomUUID();
    await server.store.appendToStream("acct-seed", [{ id: seed.id, type: "t.Seeded", data: new Uint8Array([0]) }]);
    // Five credentials × deleteStream and tombstoneStream × three transports.
    for (let index = 0; index < 30; index += 1) {
      const victim = `acct-victim-${index}-${randomUUID()}`;
      await server.store.appendToStream(victim, [{ type: "t.Seeded", data: new Uint8Array([0]) }]);
      seed.victims.push(victim);
      seed.allVictims.push(victim);
    }
    tokens.none = undefined;
    tokens.bad = "not-a-key";
    tokens.expired = await credentials.jwt("jwt-full", { expiresInS: -120 });
    tokens.insufficient = credentials.apiKey("narrow");
    tokens.sufficient = await credentials.jwt("jwt-full");
    tokens.admin = credentials.apiKey("root");
  });
  afterAll(async () => {
    await server.stop();
    credentials.remove();
  });

  const transports: Record<string, (baseUrl: string, interceptors: Interceptor[]) => Transport> = {
    "gRPC (unary fast path)": (baseUrl, interceptors) => createGrpcTransport({ baseUrl, interceptors }),
    "Connect JSON over HTTP/1.1": (baseUrl, interceptors) => createConnectTransport({ baseUrl, interceptors, httpVersion: "1.1", useBinaryFormat: false }),
    "gRPC-Web over HTTP/2": (baseUrl, interceptors) => createGrpcWebTransport({ baseUrl, interceptors, httpVersion: "2" }),
  };

  async function storeState() {
    return {
      head: await server.store.headPosition(),
      checkpoints: await server.store.listCheckpoints({ prefix: "", limit: 1_000 }),
      metadata: await server.store.getStreamMetadata("acct-seed"),
      victims: await Promise.all(seed.allVictims.map((victim) => server.store.getStream(victim).catch((error: Error) => error.name))),
    };
  }

  for (const [name, makeTransport] of Object.entries(transports)) {
    it(`answers every RPC × credential as the policy says, and a refusal changes nothing (${name})`, async () => {
      const results: string[] = [];
      const expectedResults: string[] = [];
      for (const [method, call] of Object.entries(calls)) {
        for (const credential of ["none", "bad", "expired", "insufficient", "sufficient"] as const) {
          const token = call.admin ? { ...tokens, insufficient: tokens.sufficient, sufficient: tokens.admin }[credential] : tokens[credential];
          const client = createClient(EventStore, makeTransport(server.url, bearer(token)));
          const expected = credential === "sufficient" ? "OK" : credential === "insufficient" ? call.narrow : Code.Unauthenticated;
          const before = await storeState();
          const controller = new AbortController();
          const code = await codeOf(() => call.run(client, seed, controller.signal));
          // Ends a subscription that answered.
          controller.abort();
          results.push(`${method} ${credential} ${String(code)}`);
          expectedResults.push(`${method} ${credential} ${String(expected)}`);
          if (expected !== "OK") expect(await storeState(), `${method} ${credential}`).toEqual(before);
        }
      }
      expect(results).toEqual(expectedResults);
    });
  }

  it("a category grant opens neither ReadAll nor a Subscribe to $all, filtered or not, and says what is missing", async () => {
    const grpc = createClient(EventStore, createGrpcTransport({ baseUrl: server.url, interceptors: bearer(credentials.apiKey("narrow")) }));
    const error = await first(grpc.subscribe({ target: { case: "all", value: {} }, filter: { streamPrefixes: ["other-"] } })).catch((caught: unknown) => ConnectError.from(caught));
    expect(error).toMatchObject({ code: Code.PermissionDenied, rawMessage: 'principal "narrow" lacks the read permission on $all' });
    await expect(drain(grpc.readAll({}))).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(grpc.append({ stream: "acct-x", events: [{ type: "t.A" }] })).rejects.toMatchObject({ code: Code.PermissionDenied, rawMessage: 'principal "narrow" lacks the write permission on stream "acct-x"' });
  });

  it("stamps the principal on appended events, refuses a client-set $principal, and logs the principal", async () => {
    const stream = `acct-${randomUUID()}`;
    // The old key of a rotation still works beside the new one.
    for (const key of [credentials.apiKey("full"), `old-${credentials.apiKey("full")}`]) {
      const client = createClient(EventStore, createGrpcTransport({ baseUrl: server.url, interceptors: bearer(key) }));
      await client.append({ stream, events: [{ type: "t.A", metadata: { actor: "ada" } }] });
    }
    const events = [];
    for await (const page of server.store.readStream(stream)) events.push(...page);
    expect(events.map((event) => event.metadata)).toEqual([
      { actor: "ada", $principal: "full" },
      { actor: "ada", $principal: "full" },
    ]);
    const client = createClient(EventStore, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors: bearer(credentials.apiKey("full")) }));
    const before = await server.store.headPosition();
    await expect(client.append({ stream, events: [{ type: "t.A", metadata: { $principal: "root" } }] })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining('"$principal" is reserved') });
    expect(await server.store.headPosition()).toBe(before);
    const line = logs.find((entry) => entry["rpc"] === "annals.eventstore.v1.EventStore/Append" && entry["principal"] === "full");
    expect(line).toMatchObject({ code: "OK" });
    expect(JSON.stringify(logs)).not.toContain(credentials.apiKey("full"));
  });

  it("keeps the health check, /healthz and /readyz open; /metrics and reflection need a token", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
    expect((await health.check({})).status).toBe(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${credentials.apiKey("narrow")}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("annals_");
    const ask = async function* () {
      yield { messageRequest: { case: "listServices" as const, value: "" } };
    };
    const reflect = (interceptors: Interceptor[]) => first(createClient(ServerReflection, createGrpcTransport({ baseUrl: server.url, interceptors })).serverReflectionInfo(ask()));
    await expect(reflect([])).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(reflect(bearer(credentials.apiKey("narrow")))).resolves.toBeUndefined();
  });
});

/** An interceptor that sends `authorization: Bearer <token>` (none when `token` is undefined). */
function bearer(token: string | undefined): Interceptor[] {
  if (token === undefined) return [];
  return [
    (next) => (request) => {
      request.header.set("authorization", `Bearer ${token}`);
      return next(request);
    },
  ];
}
