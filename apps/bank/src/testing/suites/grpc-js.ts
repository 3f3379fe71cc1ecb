import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcJsMethod } from "@annals/server/testing/grpc-js";
import {
  DepositRequestSchema,
  DepositResponseSchema,
  GetAccountRequestSchema,
  GetAccountResponseSchema,
  GetHistoryRequestSchema,
  GetHistoryResponseSchema,
  OpenAccountRequestSchema,
  OpenAccountResponseSchema,
  WithdrawRequestSchema,
  WithdrawResponseSchema,
  type GetHistoryResponse,
} from "@annals/protocol/bank";
import { startBankServer, type BankDatabase, type BankDatabaseFactory, type BankServer } from "../bank-fixture.js";

// A plain @grpc/grpc-js client: no Connect code at all, only protobuf-es for the bytes.
const method = <I extends DescMessage, O extends DescMessage>(name: string, input: I, output: O, responseStream = false) =>
  grpcJsMethod("annals.bank.v1.AccountService", name, input, output, responseStream);

const definition = {
  OpenAccount: method("OpenAccount", OpenAccountRequestSchema, OpenAccountResponseSchema),
  Deposit: method("Deposit", DepositRequestSchema, DepositResponseSchema),
  Withdraw: method("Withdraw", WithdrawRequestSchema, WithdrawResponseSchema),
  GetAccount: method("GetAccount", GetAccountRequestSchema, GetAccountResponseSchema),
  GetHistory: method("GetHistory", GetHistoryRequestSchema, GetHistoryResponseSchema, true),
};

type Unary = (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response?: unknown) => void) => void;

/** The account service through a plain @grpc/grpc-js client. */
export function describeThroughGrpcJs(factory: BankDatabaseFactory): void {
  describe("through a plain @grpc/grpc-js client", () => {
    let database: BankDatabase;
    let server: BankServer;
    let client: grpc.Client & Record<string, unknown>;

    const unary = <T>(name: string, request: unknown, headers: Record<string, string> = {}) => {
      const metadata = new grpc.Metadata();
      for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
      return new Promise<T>((resolve, reject) =>
        (client[name] as Unary).call(client, request, metadata, (error, response) => (error ? reject(error) : resolve(response as T))),
      );
    };
    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error("expected the call to be refused");
        },
        (error: grpc.ServiceError) => error,
      );

    beforeAll(async () => {
      database = await factory();
      server = await startBankServer(database);
      const Client = grpc.makeGenericClientConstructor(definition, "AccountService");
      client = new Client(`127.0.0.1:${server.bank.port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, unknown>;
    });
    afterAll(async () => {
      client?.close();
      await server?.stop();
      await database?.cleanup();
    });

    it("runs the seed, answers the figures and streams the history with metadata", async () => {
      const accountId = `GRPC-${randomUUID().slice(0, 8)}`;
      const command = (fields: Record<string, unknown>) => ({ commandId: randomUUID(), accountId, ...fields });
      const opened = await unary<{ version: bigint; balance: string }>(
        "OpenAccount",
        create(OpenAccountRequestSchema, { command: command({ initialBalance: "100" }) }),
        { "x-annals-actor": "grpc-js" },
      );
      expect(opened).toMatchObject({ version: 1n, balance: "100.00" });
      await unary("Deposit", create(DepositRequestSchema, { command: command({ amount: "50" }) }));
      const withdrawn = await unary<{ version: bigint; balance: string; position: bigint }>(
        "Withdraw",
        create(WithdrawRequestSchema, { command: command({ amount: "25" }) }),
      );
      expect(withdrawn).toMatchObject({ version: 3n, balance: "125.00" });
      const atTwo = await unary<{ account: { balance: string; version: bigint } }>(
        "GetAccount",
        create(GetAccountRequestSchema, { accountId, asOf: { case: "version", value: 2n } }),
      );
      expect(atTwo.account).toMatchObject({ balance: "150.00", version: 2n });
      const call = (client["GetHistory"] as (request: unknown) => grpc.ClientReadableStream<GetHistoryResponse>).call(
        client,
        create(GetHistoryRequestSchema, { accountId }),
      );
      const history: GetHistoryResponse[] = [];
      for await (const entry of call) history.push(entry as GetHistoryResponse);
      expect(history.map((entry) => [entry.version, entry.event.case, entry.balance])).toEqual([
        [1n, "accountOpened", "100.00"],
        [2n, "moneyDeposited", "150.00"],
        [3n, "moneyWithdrawn", "125.00"],
      ]);
      expect(history[0]!.metadata["actor"]).toBe("grpc-js");
      expect(history[2]!.position).toBe(withdrawn.position);
    });

    it("answers the status codes of the rules and of malformed requests", async () => {
      const accountId = `GRPC-${randomUUID().slice(0, 8)}`;
      await unary("OpenAccount", create(OpenAccountRequestSchema, { command: { commandId: randomUUID(), accountId, initialBalance: "10" } }));
      const withdraw = (amount: string) => unary("Withdraw", create(WithdrawRequestSchema, { command: { commandId: randomUUID(), accountId, amount } }));
      const overdraft = await refused(withdraw("10.01"));
      expect(overdraft.code).toBe(grpc.status.FAILED_PRECONDITION);
      // Connect percent-encodes grpc-message fully; grpc-js decodes it with decodeURI, which leaves ',' and ':' encoded.
      expect(decodeURIComponent(overdraft.details)).toContain("balance 10.00, amount 10.01");
      expect((await refused(withdraw("1e3"))).code).toBe(grpc.status.INVALID_ARGUMENT);
      expect((await refused(withdraw("-1"))).code).toBe(grpc.status.INVALID_ARGUMENT);
      expect((await refused(unary("GetAccount", create(GetAccountRequestSchema, { accountId: "NOPE-" + randomUUID() })))).code).toBe(grpc.status.NOT_FOUND);
      const tooFar = await refused(unary("GetAccount", create(GetAccountRequestSchema, { accountId, asOf: { case: "version", value: 9n } })));
      expect(tooFar.code).toBe(grpc.status.OUT_OF_RANGE);
    });

    it("applies a withdrawal sent twice with one command id once", async () => {
      const accountId = `GRPC-${randomUUID().slice(0, 8)}`;
      await unary("OpenAccount", create(OpenAccountRequestSchema, { command: { commandId: randomUUID(), accountId, initialBalance: "10" } }));
      const request = create(WithdrawRequestSchema, { command: { commandId: randomUUID(), accountId, amount: "4" } });
      const first = await unary("Withdraw", request);
      expect(await unary("Withdraw", request)).toEqual(first);
      const now = await unary<{ account: { balance: string; version: bigint } }>("GetAccount", create(GetAccountRequestSchema, { accountId }));
      expect(now.account).toMatchObject({ balance: "6.00", version: 2n });
    });
  });
}
