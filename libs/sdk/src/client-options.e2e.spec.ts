import { create, createRegistry } from "@bufbuild/protobuf";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MoneyDepositedSchema, file_annals_bank_v1_events } from "@annals/protocol/bank";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { createAnnalsClient as createBrowserClient } from "./browser.js";
import { createAnnalsClient, isEventOf, WrongExpectedRevisionError, type AnnalsClient } from "./index.js";

const registry = createRegistry(file_annals_bank_v1_events);
const deposit = (stream: string, amount: string) => create(MoneyDepositedSchema, { accountId: stream, amount });

/** Appends, reads back, follows live and provokes a conflict: what both entries must do alike. */
async function exercise(client: AnnalsClient, stream: string) {
  const appended = await client.appendToStream(stream, [deposit(stream, "1.00"), deposit(stream, "2.00")], { expectedRevision: "no_stream" });
  const read: string[] = [];
  for await (const event of client.readStream(stream)) if (isEventOf(event, MoneyDepositedSchema)) read.push(`${event.revision} ${event.message.amount}`);
  const live = client.subscribe({ stream, from: "end" });
  void live.caughtUp.then(() => client.appendToStream(stream, [deposit(stream, "3.00")]));
  let followed = "";
  for await (const event of live) {
    followed = `${event.revision} ${isEventOf(event, MoneyDepositedSchema) ? event.message.amount : "?"}`;
    break;
  }
  const conflict = await client.appendToStream(stream, [deposit(stream, "4.00")], { expectedRevision: 0n }).catch((error: unknown) => error);
  expect(conflict).toBeInstanceOf(WrongExpectedRevisionError);
  return { revision: appended.revision, read, followed, actual: (conflict as WrongExpectedRevisionError).actual };
}

const expected = { revision: 1n, read: ["0 1.00", "1 2.00"], followed: "2 3.00", actual: 2n };

describe("client options against a real server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("the browser entry works over fetch (Node's own) with Connect and gRPC-Web, as the Node entry does", async () => {
    for (const protocol of ["connect", "grpc-web"] as const) {
      const client = createBrowserClient({ baseUrl: server.url, protocol, registry });
      expect(await exercise(client, `fetch-${protocol}`)).toEqual(expected);
      client.close();
    }
    const node = createAnnalsClient({ baseUrl: server.url, registry });
    expect(await exercise(node, "node-grpc")).toEqual(expected);
    node.close();
  });

  it("takes a Connect transport of the caller's own, and leaves it open on close()", async () => {
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" });
    const first = createAnnalsClient({ transport, registry });
    expect(await exercise(first, "own-transport")).toEqual(expected);
    first.close();
    const second = createBrowserClient({ transport, registry });
    expect(await second.getStream("own-transport")).toEqual({ lastRevision: 2n, lastPosition: expect.any(BigInt) });
  });

  it("refuses options it cannot use with a clear TypeError", () => {
    expect(() => createAnnalsClient({})).toThrow(new TypeError("createAnnalsClient: give baseUrl (e.g. http://127.0.0.1:50051) or a transport"));
    expect(() => createBrowserClient({ baseUrl: server.url, protocol: "grpc" as "connect" })).toThrow(/protocol must be connect or grpc-web in a browser, not grpc/);
    expect(() => createAnnalsClient({ baseUrl: server.url, protocol: "http3" as "grpc" })).toThrow(/protocol must be grpc, connect or grpc-web, not http3/);
  });
});
