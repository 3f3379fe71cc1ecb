import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnnalsError } from "@annals/sdk";
import type { BankClient, CommandOutcome } from "../../client.js";
import type { Account } from "@annals/protocol/bank";
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

/** Random commands on `accounts`, a few at a time; answers the accepted ones. */
async function randomTraffic(client: BankClient, accounts: string[], random: () => number, count: number): Promise<CommandOutcome[]> {
  const accepted: CommandOutcome[] = [];
  for (let done = 0; done < count; done += 4) {
    const round = Array.from({ length: Math.min(4, count - done) }, async () => {
      const accountId = accounts[Math.floor(random() * accounts.length)]!;
      const amount = randomAmount(random, 60);
      const roll = random();
      try {
        const outcome =
          roll < 0.1 ? await client.openAccount(accountId, amount) : roll < 0.6 ? await client.deposit(accountId, amount) : await client.withdraw(accountId, amount);
        accepted.push(outcome);
      } catch (error) {
        if (!(error instanceof AnnalsError)) throw error;
      }
    });
    await Promise.all(round);
  }
  return accepted;
}

async function listAll(client: BankClient): Promise<Account[]> {
  const all: Account[] = [];
  let pageToken = "";
  do {
    const page = await client.listAccounts({ pageSize: 3, pageToken });
    all.push(...page.accounts);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return all;
}

/** The `accounts` read model against the aggregates, across a restart and a rebuild. */
export function describeProjection(factory: BankDatabaseFactory): void {
  describe("accounts projection", () => {
    let database: BankDatabase;
    let server: BankServer | undefined;
    let client: BankClient | undefined;

    beforeAll(async () => {
      database = await factory();
    });
    afterAll(async () => {
      client?.close();
      await server?.stop();
      await database?.cleanup();
    });

    it("after random traffic and a restart in the middle, the read model equals every account's state; a rebuild gives the same rows", async () => {
      const random = seededRandom(2024);
      const accounts = Array.from({ length: 7 }, (_, index) => `PROJ-${index}`);
      server = await startBankServer(database);
      client = bankClient(server.url);
      for (const accountId of accounts.slice(0, 5)) await client.openAccount(accountId, randomAmount(random, 100));
      const before = await randomTraffic(client, accounts, random, 40);
      const resent = { accountId: "PROJ-0", commandId: randomUUID() };
      const original = await client.deposit(resent.accountId, "12.34", { commandId: resent.commandId });

      client.close();
      await server.stop();
      server = await startBankServer(database);
      client = bankClient(server.url);

      // A command sent again after the restart is recognised: same answer, nothing recorded.
      const head = await server.store.headPosition();
      expect(await client.deposit(resent.accountId, "12.34", { commandId: resent.commandId })).toEqual(original);
      expect(await server.store.headPosition()).toBe(head);

      const after = await randomTraffic(client, accounts, random, 40);
      expect(before.length + after.length).toBeGreaterThan(30);
      const end = BigInt(await server.store.headPosition());
      await waitForProjection(client, end);

      const rows = await listAll(client);
      const opened: Account[] = [];
      for (const accountId of accounts) {
        try {
          opened.push(await client.getAccount(accountId));
        } catch (error) {
          if (!(error instanceof AnnalsError)) throw error;
        }
      }
      expect(rows).toEqual(opened);
      expect(rows.map((row) => row.accountId)).toEqual([...rows.map((row) => row.accountId)].sort());
      for (const row of rows) {
        const history = await collect(client.getHistory(row.accountId));
        expect(row.version).toBe(BigInt(history.length));
        expect(row.balance).toBe(history[history.length - 1]!.balance);
      }

      const rebuilt = await client.rebuildProjection();
      expect(rebuilt).toEqual({ accountCount: BigInt(rows.length), checkpoint: end });
      expect(await listAll(client)).toEqual(rows);
      // The projection follows again after the rebuild.
      const more = await client.deposit("PROJ-1", "1");
      await waitForProjection(client, more.position);
      expect((await listAll(client)).find((row) => row.accountId === "PROJ-1")).toEqual(await client.getAccount("PROJ-1"));
    });
  });
}
