import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBankError, parseMoney, type AccountCommand, type AccountEvent } from "@annals/bank";
import { createCommandHandler, createStateLoader, type CommandHandler, type StateLoader } from "@annals/toolkit";
import { createKnexSnapshotStore, openServiceDatabase, type KnexSnapshotStore } from "@annals/toolkit/knex";
import type { Knex } from "knex";
import { accountDecider, toWireAccount, type AccountView } from "../../account-view.js";
import { accountEvents, accountSnapshots } from "../../codec.js";
import { accountStream } from "../../streams.js";
import { randomAmount, seededRandom, startBankServer, type BankDatabase, type BankDatabaseFactory, type BankServer } from "../bank-fixture.js";

type AccountHandler = CommandHandler<AccountCommand, AccountEvent, AccountView>;

/** Runs `count` random commands (about a third refused) on a new account. */
async function randomHistory(handler: AccountHandler, accountId: string, seed: number, count: number): Promise<void> {
  const random = seededRandom(seed);
  const stream = accountStream(accountId);
  await handler.handle(stream, { type: "OpenAccount", accountId, initialBalance: parseMoney(randomAmount(random, 50)) }, { commandId: randomUUID() });
  for (let index = 0; index < count; index += 1) {
    const amount = parseMoney(randomAmount(random, 40));
    const command: AccountCommand = random() < 0.5 ? { type: "Deposit", accountId, amount } : { type: "Withdraw", accountId, amount };
    try {
      await handler.handle(stream, command, { commandId: randomUUID() });
    } catch (error) {
      if (!isBankError(error)) throw error;
    }
  }
}

/** The bank's snapshots (its own database, the `Account` message) change nothing but the speed. */
export function describeSnapshots(factory: BankDatabaseFactory): void {
  describe("snapshots", () => {
    let database: BankDatabase;
    let server: BankServer;
    let db: Knex;
    let store: KnexSnapshotStore;
    let plain: StateLoader<AccountEvent, AccountView>;

    beforeAll(async () => {
      database = await factory();
      server = await startBankServer(database);
      db = openServiceDatabase(database.bankDatabase);
      store = createKnexSnapshotStore(db);
      await store.setup();
      plain = createStateLoader({ client: server.client, decider: accountDecider, events: accountEvents });
    });
    afterAll(async () => {
      store?.close();
      await db?.destroy();
      await server?.stop();
      await database?.cleanup();
    });

    const handlerWith = (every: number) =>
      createCommandHandler({ client: server.client, decider: accountDecider, events: accountEvents, snapshots: { store, state: accountSnapshots, every } });

    it.each([1, 3, 7, 16])("random histories: the state at every version is the same with snapshots every %i events as without", async (every) => {
      const accountId = `SNAP-${every}-${randomUUID().slice(0, 6)}`;
      const handler = handlerWith(every);
      await randomHistory(handler, accountId, every * 7919, 45);
      const stream = accountStream(accountId);
      const current = (await plain.load(stream)).version;
      expect(current).toBeGreaterThan(20n);
      for (let version = 0n; version <= current; version += 1n) {
        const withSnapshots = await handler.loader.load(stream, { version });
        const without = await plain.load(stream, { version });
        expect(toWireAccount(withSnapshots.state, accountId)).toEqual(toWireAccount(without.state, accountId));
        expect(withSnapshots.snapshotVersion).toBeLessThanOrEqual(version);
        expect(version - withSnapshots.snapshotVersion).toBeLessThan(BigInt(every + 1));
      }
    });

    it("keeps snapshots in the bank's database, every N events, and loads from the latest at or below the wanted version", async () => {
      const accountId = `SNAP-AT-${randomUUID().slice(0, 6)}`;
      const stream = accountStream(accountId);
      const handler = handlerWith(5);
      await handler.handle(stream, { type: "OpenAccount", accountId, initialBalance: parseMoney("0") }, { commandId: randomUUID() });
      for (let index = 0; index < 22; index += 1) await handler.handle(stream, { type: "Deposit", accountId, amount: parseMoney("1") }, { commandId: randomUUID() });
      expect((await store.load(stream))?.version).toBe(20n);
      expect((await handler.loader.load(stream)).snapshotVersion).toBe(20n);
      expect((await handler.loader.load(stream, { version: 14n })).snapshotVersion).toBe(10n);
      expect((await handler.loader.load(stream, { version: 15n })).snapshotVersion).toBe(15n);
      expect((await handler.loader.load(stream, { version: 4n })).snapshotVersion).toBe(0n);
      expect((await handler.loader.load(stream, { version: 14n })).state.state.balance.toFixed(2)).toBe("13.00");
    });
  });
}
