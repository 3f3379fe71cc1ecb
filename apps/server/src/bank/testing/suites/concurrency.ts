import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMoney } from "@annals/bank";
import { AnnalsError, Code, type BankClient, type CommandOutcome } from "@annals/sdk";
import type { EventStore } from "@annals/store";
import { encodeAccountEvent } from "../../codec.js";
import { createCommandHandler } from "../../command-handler.js";
import { WrongExpectedVersionError } from "../../errors.js";
import { createAccountRepository } from "../../repository.js";
import { accountStream } from "../../streams.js";
import {
  bankClient,
  collect,
  randomAmount,
  seededRandom,
  startBankServer,
  waitForProjection,
  type BankDatabase,
  type BankDatabaseFactory,
  type BankServer,
} from "../bank-fixture.js";

interface Attempt {
  amount: string;
  commandId: string;
  outcome: CommandOutcome | AnnalsError;
}

async function withdrawAll(clients: BankClient[], accountId: string, amounts: string[]): Promise<Attempt[]> {
  return Promise.all(
    amounts.map(async (amount, index) => {
      const commandId = randomUUID();
      try {
        return { amount, commandId, outcome: await clients[index % clients.length]!.withdraw(accountId, amount, { commandId }) };
      } catch (error) {
        if (!(error instanceof AnnalsError)) throw error;
        return { amount, commandId, outcome: error };
      }
    }),
  );
}

/** Checks the race's invariants: never negative, every accepted withdrawal in the history, nothing else. */
async function expectConsistent(client: BankClient, accountId: string, opening: string, attempts: Attempt[]): Promise<Attempt[]> {
  const accepted = attempts.filter((attempt) => !(attempt.outcome instanceof AnnalsError));
  for (const attempt of attempts) {
    if (attempt.outcome instanceof AnnalsError) expect([Code.FailedPrecondition, Code.Aborted]).toContain(attempt.outcome.code);
  }
  const history = await collect(client.getHistory(accountId));
  const withdrawals = history.filter((entry) => entry.event.case === "moneyWithdrawn");
  expect(withdrawals.map((entry) => entry.metadata["command_id"]).sort()).toEqual(accepted.map((attempt) => attempt.commandId).sort());
  for (const attempt of accepted) {
    const outcome = attempt.outcome as CommandOutcome;
    const entry = history.find((candidate) => candidate.position === outcome.position)!;
    expect(entry.metadata["command_id"]).toBe(attempt.commandId);
    expect(entry.balance).toBe(outcome.balance);
  }
  expect(history.every((entry) => !entry.balance.startsWith("-"))).toBe(true);
  const spent = accepted.reduce((sum, attempt) => sum.plus(attempt.amount), new Decimal(0));
  const account = await client.getAccount(accountId);
  expect(account.balance).toBe(new Decimal(opening).minus(spent).toFixed(2));
  expect(account.version).toBe(BigInt(1 + accepted.length));
  // Refused for insufficient funds means the amount was more than some balance reached.
  return accepted;
}

/** Racing withdrawals on one server and on two server instances sharing the database; conflicts with other writers. */
export function describeConcurrency(factory: BankDatabaseFactory): void {
  describe("concurrency", () => {
    let database: BankDatabase;
    let first: BankServer;
    let second: BankServer;
    let clients: BankClient[];

    beforeAll(async () => {
      database = await factory();
      first = await startBankServer(database);
      second = await startBankServer(database);
      clients = [bankClient(first.url), bankClient(second.url)];
    });
    afterAll(async () => {
      for (const client of clients ?? []) client.close();
      await first?.stop();
      await second?.stop();
      await database?.cleanup();
    });

    it("32 concurrent withdrawals on one account: the balance never goes negative and every accepted one is in the history", async () => {
      const accountId = `RACE-${randomUUID().slice(0, 8)}`;
      await clients[0]!.openAccount(accountId, "100");
      const attempts = await withdrawAll([clients[0]!], accountId, Array.from({ length: 32 }, () => "7.50"));
      const accepted = await expectConsistent(clients[0]!, accountId, "100", attempts);
      // One server runs the commands of an account one at a time: exactly floor(100 / 7.5) pass.
      expect(accepted.length).toBe(13);
      expect((await clients[0]!.getAccount(accountId)).balance).toBe("2.50");
    });

    it("32 concurrent withdrawals of random amounts through two server instances on one database", async () => {
      const accountId = `RACE2-${randomUUID().slice(0, 8)}`;
      await clients[0]!.openAccount(accountId, "300");
      const random = seededRandom(32);
      const attempts = await withdrawAll(clients, accountId, Array.from({ length: 32 }, () => randomAmount(random, 30)));
      const accepted = await expectConsistent(clients[1]!, accountId, "300", attempts);
      expect(accepted.length).toBeGreaterThan(0);
      // Both instances' projections feed one read model: each event counted once.
      const head = await first.store.headPosition();
      await waitForProjection(clients[0]!, BigInt(head));
      await waitForProjection(clients[1]!, BigInt(head));
      const listed = (await clients[1]!.listAccounts({ pageSize: 1_000 })).accounts.find((account) => account.accountId === accountId);
      const aggregate = await clients[0]!.getAccount(accountId);
      expect(listed).toEqual(aggregate);
    });

    describe("against another writer", () => {
      let store: EventStore;
      beforeAll(async () => {
        store = await database.openStore();
      });
      afterAll(async () => {
        await store?.close();
      });

      /** A store whose next append to the account is preceded by another writer's deposit. */
      function interfered(accountId: string): EventStore {
        let armed = true;
        return {
          ...store,
          async appendToStream(stream, events, options) {
            if (armed) {
              armed = false;
              const intruder = encodeAccountEvent({ type: "MoneyDeposited", accountId, amount: parseMoney("1") });
              await store.appendToStream(accountStream(accountId), [{ ...intruder, metadata: { actor: "another writer" } }]);
            }
            return store.appendToStream(stream, events, options);
          },
        };
      }
      const audit = { actor: "test", correlationId: randomUUID(), causationId: undefined, receivedAt: new Date() };

      it("retries a command that lost a conflict, deciding again on the new state", async () => {
        const accountId = `CONFLICT-${randomUUID().slice(0, 8)}`;
        const repository = createAccountRepository({ store });
        await createCommandHandler({ store, repository }).execute({ commandId: randomUUID(), command: { type: "OpenAccount", accountId, initialBalance: parseMoney("10") } }, audit);
        const handler = createCommandHandler({ store: interfered(accountId), repository });
        const result = await handler.execute({ commandId: randomUUID(), command: { type: "Withdraw", accountId, amount: parseMoney("5") } }, audit);
        // Decided again after the intruding deposit: 10 + 1 - 5, at version 3.
        expect({ version: result.version, balance: result.balance.toFixed(2), alreadyApplied: result.alreadyApplied }).toEqual({ version: 3, balance: "6.00", alreadyApplied: false });
        const versions = (await repository.load(accountId)).view.state.version;
        expect(versions).toBe(3);
      });

      it("with an expected version, the conflict is the answer", async () => {
        const accountId = `CONFLICT-${randomUUID().slice(0, 8)}`;
        const repository = createAccountRepository({ store });
        await createCommandHandler({ store, repository }).execute({ commandId: randomUUID(), command: { type: "OpenAccount", accountId, initialBalance: parseMoney("10") } }, audit);
        const handler = createCommandHandler({ store: interfered(accountId), repository });
        const refused = handler.execute({ commandId: randomUUID(), expectedVersion: 1, command: { type: "Withdraw", accountId, amount: parseMoney("5") } }, audit);
        await expect(refused).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await expect(refused).rejects.toMatchObject({ expected: 1, actual: 2 });
        expect((await repository.load(accountId)).view.state.version).toBe(2);
      });

      it("gives up with ABORTED-class error after the most attempts when the account never stops changing", async () => {
        const accountId = `CONFLICT-${randomUUID().slice(0, 8)}`;
        const repository = createAccountRepository({ store });
        await createCommandHandler({ store, repository }).execute({ commandId: randomUUID(), command: { type: "OpenAccount", accountId, initialBalance: parseMoney("10") } }, audit);
        const busy: EventStore = {
          ...store,
          async appendToStream(stream, events, options) {
            const intruder = encodeAccountEvent({ type: "MoneyDeposited", accountId, amount: parseMoney("1") });
            await store.appendToStream(accountStream(accountId), [intruder]);
            return store.appendToStream(stream, events, options);
          },
        };
        const handler = createCommandHandler({ store: busy, repository, maxAttempts: 3 });
        await expect(handler.execute({ commandId: randomUUID(), command: { type: "Deposit", accountId, amount: parseMoney("5") } }, audit)).rejects.toMatchObject({
          kind: "ConcurrencyConflict",
          attempts: 3,
        });
        expect((await repository.load(accountId)).view.state.balance.toFixed(2)).toBe("13.00");
      });
    });
  });
}
