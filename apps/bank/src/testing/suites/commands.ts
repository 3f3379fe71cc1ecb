import { randomUUID } from "node:crypto";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnnalsError, Code } from "@annals/sdk";
import type { BankClient } from "../../client.js";
import { bankClient, collect, startBankServer, type BankDatabase, type BankDatabaseFactory, type BankServer } from "../bank-fixture.js";

async function refusal(promise: Promise<unknown>): Promise<AnnalsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AnnalsError) return error;
    throw error;
  }
  throw new Error("expected the call to be refused, it succeeded");
}

const newAccount = () => `ACC-${randomUUID().slice(0, 8)}`;

/** The account service through the SDK: the seed, every rule, idempotency, expected versions, audit, time travel, history, listing. */
export function describeCommandsThroughSdk(factory: BankDatabaseFactory): void {
  describe("through the SDK", () => {
    let database: BankDatabase;
    let server: BankServer;

    beforeAll(async () => {
      database = await factory();
      server = await startBankServer(database);
    });
    afterAll(async () => {
      await server?.stop();
      await database?.cleanup();
    });

    describe.each(["grpc", "connect"] as const)("over %s", (protocol) => {
      let bank: BankClient;
      beforeAll(() => {
        bank = bankClient(server.url, { protocol, actor: "ada" });
      });
      afterAll(() => bank.close());

      it("runs the seed: open 100, deposit 50, withdraw 25 → 125 at version 3; 150 at version 2", async () => {
        const id = newAccount();
        expect(await bank.openAccount(id, "100")).toMatchObject({ version: 1n, balance: "100.00" });
        expect(await bank.deposit(id, "50")).toMatchObject({ version: 2n, balance: "150.00" });
        const last = await bank.withdraw(id, "25");
        expect(last).toMatchObject({ version: 3n, balance: "125.00" });
        expect(await bank.getAccount(id)).toMatchObject({ accountId: id, balance: "125.00", version: 3n, opened: true });
        expect(await bank.getAccount(id, { version: 2 })).toMatchObject({ balance: "150.00", version: 2n, opened: true });
        const history = await collect(bank.getHistory(id));
        expect(history.map((entry) => [entry.version, entry.type, entry.balance])).toEqual([
          [1n, "annals.bank.v1.AccountOpened", "100.00"],
          [2n, "annals.bank.v1.MoneyDeposited", "150.00"],
          [3n, "annals.bank.v1.MoneyWithdrawn", "125.00"],
        ]);
        expect(history[2]!.position).toBe(last.position);
      });

      it("answers each rule with its code and a message that names the figures", async () => {
        const id = newAccount();
        expect((await refusal(bank.deposit(id, "10"))).code).toBe(Code.FailedPrecondition);
        await bank.openAccount(id, "100");
        expect((await refusal(bank.openAccount(id, "5"))).code).toBe(Code.FailedPrecondition);
        const overdraft = await refusal(bank.withdraw(id, "100.01"));
        expect(overdraft.code).toBe(Code.FailedPrecondition);
        expect(overdraft.message).toContain("balance 100.00, amount 100.01");
        expect(await bank.withdraw(id, "100")).toMatchObject({ balance: "0.00", version: 2n });
        expect((await refusal(bank.withdraw(id, "0.01"))).code).toBe(Code.FailedPrecondition);
        expect((await bank.getAccount(id)).version).toBe(2n);
      });
    });

    describe("on gRPC", () => {
      let bank: BankClient;
      beforeAll(() => {
        bank = bankClient(server.url, { actor: "ada" });
      });
      afterAll(() => bank.close());

      it("refuses malformed money and amounts as INVALID_ARGUMENT, naming the field", async () => {
        const id = newAccount();
        await bank.openAccount(id, "10");
        for (const amount of ["", "1e5", "12.345", " 1", "+1", "NaN", "Infinity", "1.", ".5", "0x10", "1234567890123456"]) {
          const error = await refusal(bank.deposit(id, amount));
          expect({ amount, code: error.code, field: error.field }).toEqual({ amount, code: Code.InvalidArgument, field: "amount" });
        }
        for (const amount of ["0", "-5", "0.00"]) {
          expect((await refusal(bank.withdraw(id, amount))).code).toBe(Code.InvalidArgument);
        }
        expect((await refusal(bank.openAccount(newAccount(), "-1"))).field).toBe("initialBalance");
        expect((await refusal(bank.deposit("", "1"))).field).toBe("command.account_id");
        expect((await refusal(bank.deposit(id, "1", { commandId: "" }))).code).toBe(Code.InvalidArgument);
        await expect(bank.raw.deposit({})).rejects.toMatchObject({ code: Code.InvalidArgument });
        expect((await bank.getAccount(id)).version).toBe(1n);
      });

      it("opens with an empty initial balance as 0, and keeps the owner", async () => {
        const id = newAccount();
        expect(await bank.openAccount(id, "", { owner: "Grace" })).toMatchObject({ version: 1n, balance: "0.00" });
        expect(await bank.getAccount(id)).toMatchObject({ owner: "Grace", balance: "0.00" });
      });

      it("answers NOT_FOUND for an unknown account and OUT_OF_RANGE for a version not reached", async () => {
        const unknown = newAccount();
        expect((await refusal(bank.getAccount(unknown))).code).toBe(Code.NotFound);
        expect((await refusal(collect(bank.getHistory(unknown)))).code).toBe(Code.NotFound);
        const id = newAccount();
        await bank.openAccount(id, "1");
        expect((await refusal(bank.getAccount(id, { version: 2 }))).code).toBe(Code.OutOfRange);
        expect(await bank.getAccount(id, { version: 0 })).toMatchObject({ accountId: id, opened: false, version: 0n, balance: "0.00" });
      });

      it("applies a command sent twice once, and answers its first result even after later commands", async () => {
        const id = newAccount();
        const commandId = randomUUID();
        await bank.openAccount(id, "100");
        const first = await bank.deposit(id, "10", { commandId });
        expect(await bank.deposit(id, "10", { commandId })).toEqual(first);
        await bank.withdraw(id, "30");
        expect(await bank.deposit(id, "10", { commandId })).toEqual(first);
        expect(first).toMatchObject({ version: 2n, balance: "110.00" });
        expect((await bank.getAccount(id)).balance).toBe("80.00");
        expect((await collect(bank.getHistory(id))).length).toBe(3);
      });

      it("applies concurrent copies of one command once", async () => {
        const id = newAccount();
        await bank.openAccount(id, "0");
        const commandId = randomUUID();
        const answers = await Promise.all(Array.from({ length: 8 }, () => bank.deposit(id, "5", { commandId })));
        expect(new Set(answers.map((answer) => answer.position)).size).toBe(1);
        expect(await bank.getAccount(id)).toMatchObject({ balance: "5.00", version: 2n });
      });

      it("refuses a command id reused for a different command, and keeps ids per account", async () => {
        const id = newAccount();
        const other = newAccount();
        const commandId = randomUUID();
        await bank.openAccount(id, "100", { commandId });
        const reused = await refusal(bank.deposit(id, "5", { commandId }));
        expect(reused).toMatchObject({ code: Code.InvalidArgument, field: "command.command_id" });
        const withdrawId = randomUUID();
        await bank.withdraw(id, "5", { commandId: withdrawId });
        expect((await refusal(bank.withdraw(id, "6", { commandId: withdrawId }))).code).toBe(Code.InvalidArgument);
        // The same command id on another account is another command.
        expect(await bank.openAccount(other, "100", { commandId })).toMatchObject({ version: 1n });
      });

      it("refuses a command whose expected version is not the account's, FAILED_PRECONDITION", async () => {
        const id = newAccount();
        await bank.openAccount(id, "10", { expectedVersion: 0 });
        expect(await bank.deposit(id, "1", { expectedVersion: 1 })).toMatchObject({ version: 2n });
        const stale = await refusal(bank.deposit(id, "1", { expectedVersion: 1 }));
        expect(stale.code).toBe(Code.FailedPrecondition);
        expect(stale.message).toContain("version 2");
        expect((await refusal(bank.openAccount(newAccount(), "1", { expectedVersion: 1 }))).code).toBe(Code.FailedPrecondition);
        expect((await bank.getAccount(id)).version).toBe(2n);
      });

      it("records who, which command, correlation, causation and when on every event", async () => {
        const id = newAccount();
        const opened = await bank.openAccount(id, "1");
        const before = Date.now();
        const deposit = await bank.deposit(id, "1", { correlationId: "order-42", causationId: "event-7" });
        const [first, second] = await collect(bank.getHistory(id));
        // The client's default command ids are time-ordered, and so are the ids of the events they record.
        for (const [event, commandId] of [[first!, opened.commandId], [second!, deposit.commandId]] as const) {
          expect(commandId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          expect(event.eventId.slice(0, 13)).toBe(commandId.slice(0, 13));
          expect(event.eventId[14]).toBe("7");
        }
        expect(first!.metadata).toMatchObject({ actor: "ada", command_id: opened.commandId, command_type: "OpenAccount", causation_id: opened.commandId });
        expect(first!.metadata["correlation_id"]).toMatch(/^[0-9a-f-]{36}$/);
        // The actor is the bank's client's word; the principal is the event store's: the bank's own credentials.
        expect(first!.metadata["$principal"]).toBe("bank");
        expect(second!.metadata).toMatchObject({
          actor: "ada",
          command_id: deposit.commandId,
          command_type: "Deposit",
          correlation_id: "order-42",
          causation_id: "event-7",
        });
        const received = Date.parse(second!.metadata["received_at"]!);
        expect(received).toBeGreaterThanOrEqual(before - 1);
        expect(timestampDate(second!.recordedAt!).getTime()).toBeGreaterThanOrEqual(received);
        const anonymous = bankClient(server.url);
        try {
          await anonymous.deposit(id, "1");
          expect((await collect(anonymous.getHistory(id, { fromVersion: 3 })))[0]!.metadata["actor"]).toBe("anonymous");
        } finally {
          anonymous.close();
        }
      });

      it("reads the state as of a time, an event recorded at that very instant included", async () => {
        const id = newAccount();
        await bank.openAccount(id, "100");
        for (const amount of ["10", "20", "30"]) {
          await new Promise((resolve) => setTimeout(resolve, 3));
          await bank.deposit(id, amount);
        }
        const history = await collect(bank.getHistory(id));
        const nanosBefore = (stamp: Timestamp): Timestamp =>
          stamp.nanos > 0 ? { ...stamp, nanos: stamp.nanos - 1 } : { ...stamp, seconds: stamp.seconds - 1n, nanos: 999_999_999 };
        for (const entry of history) {
          const at = await bank.getAccount(id, { time: entry.recordedAt! });
          expect({ version: at.version, balance: at.balance }).toEqual({ version: entry.version, balance: entry.balance });
          const justBefore = await bank.getAccount(id, { time: nanosBefore(entry.recordedAt!) });
          expect(justBefore.version).toBe(entry.version - 1n);
        }
        const beforeOpening = await bank.getAccount(id, { time: new Date(timestampDate(history[0]!.recordedAt!).getTime() - 1) });
        expect(beforeOpening).toMatchObject({ opened: false, version: 0n, balance: "0.00" });
        expect(beforeOpening.openedAt).toBeUndefined();
        const later = await bank.getAccount(id, { time: new Date(Date.now() + 60_000) });
        expect(later).toMatchObject({ version: 4n, balance: "160.00" });
        expect(later.openedAt).toEqual(history[0]!.recordedAt);
        expect(later.updatedAt).toEqual(history[3]!.recordedAt);
      });

      it("streams the history complete and in order, from a version, with a max count", async () => {
        const id = newAccount();
        await bank.openAccount(id, "0");
        for (let index = 1; index <= 30; index += 1) await bank.deposit(id, "1");
        const all = await collect(bank.getHistory(id));
        expect(all.map((entry) => entry.version)).toEqual(Array.from({ length: 31 }, (_, index) => BigInt(index + 1)));
        expect(all.map((entry) => entry.balance)).toEqual(Array.from({ length: 31 }, (_, index) => `${index}.00`));
        expect(all.every((entry, index) => index === 0 || entry.position > all[index - 1]!.position)).toBe(true);
        expect(all[1]!.event).toMatchObject({ case: "moneyDeposited", value: { accountId: id, amount: "1.00" } });
        const middle = await collect(bank.getHistory(id, { fromVersion: 10, maxCount: 3 }));
        expect(middle.map((entry) => [entry.version, entry.balance])).toEqual([
          [10n, "9.00"],
          [11n, "10.00"],
          [12n, "11.00"],
        ]);
        expect(await collect(bank.getHistory(id, { fromVersion: 40 }))).toEqual([]);
      });

      it("lists the accounts read model page by page, ordered by id", async () => {
        const prefix = `LIST-${randomUUID().slice(0, 6)}`;
        const ids = ["c", "a", "e", "b", "d"].map((letter) => `${prefix}-${letter}`);
        let last = 0n;
        for (const id of ids) last = (await bank.openAccount(id, "7", { owner: id })).position;
        const listed: string[] = [];
        let pageToken = "";
        let checkpoint = 0n;
        const deadline = Date.now() + 10_000;
        while (checkpoint < last && Date.now() < deadline) checkpoint = (await bank.listAccounts({ pageSize: 1 })).checkpoint;
        do {
          const page = await bank.listAccounts({ pageSize: 2, pageToken });
          expect(page.accounts.length).toBeLessThanOrEqual(2);
          listed.push(...page.accounts.map((account) => account.accountId));
          pageToken = page.nextPageToken;
        } while (pageToken !== "");
        expect(listed.filter((id) => id.startsWith(prefix))).toEqual([...ids].sort());
        expect([...listed].sort()).toEqual(listed);
        expect((await refusal(bank.listAccounts({ pageToken: "not a token" }))).code).toBe(Code.InvalidArgument);
      });
    });
  });
}
