import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decimal } from "decimal.js";
import { afterAll, describe, expect, it } from "vitest";
import type { Account } from "@annals/protocol/bank";
import { startServerProcess, type ServerProcess } from "@annals/server/testing/process";
import { createTestCredentials, type TestCredentials } from "@annals/server/testing/credentials";
import { startBankProcess, type BankProcess } from "./testing/bank-process.js";
import { bankClient, collect, randomAmount, seededRandom, waitForProjection } from "./testing/bank-fixture.js";

interface Issued {
  accountId: string;
  commandId: string;
  amount: string;
  acknowledged: boolean;
}

describe.each(["bank", "event store and bank"] as const)("bank accounts when the %s process is killed with SIGKILL (SQLite)", (killed) => {
  const folder = mkdtempSync(join(tmpdir(), "annals-bank-crash-"));
  const events = join(folder, "annals.db");
  const bankDb = join(folder, "bank.db");
  const processes: Array<ServerProcess | BankProcess> = [];
  let credentials: TestCredentials | undefined;
  afterAll(() => {
    for (const process of processes) process.child.kill("SIGKILL");
    credentials?.remove();
    rmSync(folder, { recursive: true, force: true });
  });

  // The event store requires a token; the bank sends its own. A base64url key may start with a dash, which
  // a separate argument would be taken for a flag: the token goes in the --token=value form.
  async function start(eventStore?: ServerProcess): Promise<{ eventStore: ServerProcess; bank: BankProcess }> {
    credentials ??= await createTestCredentials({ bank: { grants: { read: ["account-"], write: ["account-"], readAll: true } } });
    const store = eventStore ?? (await startServerProcess(["--port", "0", "--db", events, "--api-keys", credentials.apiKeysFile]));
    if (!eventStore) processes.push(store);
    const bank = await startBankProcess(["--port", "0", "--db", bankDb, "--event-store", store.url, "--snapshot-every", "5", `--token=${credentials.apiKey("bank")}`]);
    processes.push(bank);
    return { eventStore: store, bank };
  }

  it("every deposit, re-sent after the crash with its command id, is applied exactly once; the read model neither double-counts nor skips", async () => {
    const accounts = Array.from({ length: 6 }, (_, index) => `CRASH-${index}`);
    const first = await start();
    const client = bankClient(first.bank.url);
    for (const accountId of accounts) await client.openAccount(accountId, "0");
    const issued: Issued[] = [];
    const random = seededRandom(9);
    let stop = false;
    const writers = Array.from({ length: 12 }, () =>
      (async () => {
        while (!stop) {
          const command: Issued = { accountId: accounts[Math.floor(random() * accounts.length)]!, commandId: randomUUID(), amount: randomAmount(random, 20), acknowledged: false };
          issued.push(command);
          try {
            await client.deposit(command.accountId, command.amount, { commandId: command.commandId });
            command.acknowledged = true;
          } catch {
            return;
          }
        }
      })(),
    );
    // Kill once enough is acknowledged, however loaded the machine.
    const deadline = Date.now() + 30_000;
    while (issued.filter((command) => command.acknowledged).length < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    first.bank.child.kill("SIGKILL");
    if (killed === "event store and bank") first.eventStore.child.kill("SIGKILL");
    stop = true;
    await Promise.all(writers);
    client.close();
    expect(issued.filter((command) => command.acknowledged).length).toBeGreaterThan(30);

    const restarted = await start(killed === "bank" ? first.eventStore : undefined);
    const again = bankClient(restarted.bank.url);
    try {
      // The client does not know whether the unacknowledged ones were applied: it sends them again.
      for (const command of issued.filter((candidate) => !candidate.acknowledged)) {
        await again.deposit(command.accountId, command.amount, { commandId: command.commandId });
      }
      const aggregates: Account[] = [];
      let last = 0n;
      for (const accountId of accounts) {
        const mine = issued.filter((command) => command.accountId === accountId);
        const total = mine.reduce((sum, command) => sum.plus(command.amount), new Decimal(0));
        const account = await again.getAccount(accountId);
        expect({ accountId, balance: account.balance, version: account.version }).toEqual({ accountId, balance: total.toFixed(2), version: BigInt(mine.length + 1) });
        const history = await collect(again.getHistory(accountId));
        expect(history.slice(1).map((entry) => entry.metadata["command_id"]).sort()).toEqual(mine.map((command) => command.commandId).sort());
        for (const entry of history) last = entry.position > last ? entry.position : last;
        aggregates.push(account);
      }
      await waitForProjection(again, last);
      const rows = (await again.listAccounts({ pageSize: 100 })).accounts;
      expect(rows).toEqual(aggregates);
    } finally {
      again.close();
      restarted.bank.child.kill("SIGTERM");
      await restarted.bank.exited;
      restarted.eventStore.child.kill("SIGTERM");
      await restarted.eventStore.exited;
    }
  });
});
