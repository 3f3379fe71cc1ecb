import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnnalsError, Code } from "@annals/sdk";
import type { BankClient, CommandOutcome } from "../../client.js";
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

/** Racing withdrawals through one bank, and through two banks on two event store servers sharing the databases. */
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

    it("32 concurrent withdrawals of random amounts through two banks on two event store servers on one database", async () => {
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
  });
}
