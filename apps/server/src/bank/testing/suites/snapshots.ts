import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBankError, parseMoney, type AccountCommand } from "@annals/bank";
import type { EventStore } from "@annals/store";
import { toWireAccount } from "../../account-view.js";
import { createCommandHandler, type CommandHandler } from "../../command-handler.js";
import { createAccountRepository, type AccountRepository } from "../../repository.js";
import { accountStream } from "../../streams.js";
import { randomAmount, seededRandom, type BankDatabase, type BankDatabaseFactory } from "../bank-fixture.js";

const audit = () => ({ actor: "test", correlationId: randomUUID(), causationId: undefined, receivedAt: new Date() });

/** Runs `count` random commands (about a third refused) on a new account; answers how many events it has. */
async function randomHistory(handler: CommandHandler, accountId: string, seed: number, count: number): Promise<void> {
  const random = seededRandom(seed);
  await handler.execute({ commandId: randomUUID(), command: { type: "OpenAccount", accountId, initialBalance: parseMoney(randomAmount(random, 50)) } }, audit());
  for (let index = 0; index < count; index += 1) {
    const amount = parseMoney(randomAmount(random, 40));
    const command: AccountCommand = random() < 0.5 ? { type: "Deposit", accountId, amount } : { type: "Withdraw", accountId, amount };
    try {
      await handler.execute({ commandId: randomUUID(), command }, audit());
    } catch (error) {
      if (!isBankError(error)) throw error;
    }
  }
}

/** Snapshots change nothing but the speed: the same state at every version, with or without them. */
export function describeSnapshots(factory: BankDatabaseFactory): void {
  describe("snapshots", () => {
    let database: BankDatabase;
    let store: EventStore;
    let plain: AccountRepository;

    beforeAll(async () => {
      database = await factory();
      store = await database.openStore();
      plain = createAccountRepository({ store, snapshotEvery: 0 });
    });
    afterAll(async () => {
      await store?.close();
      await database?.cleanup();
    });

    it.each([1, 3, 7, 16])("random histories: the state at every version is the same with snapshots every %i events as without", async (every) => {
      const accountId = `SNAP-${every}-${randomUUID().slice(0, 6)}`;
      const repository = createAccountRepository({ store, snapshotEvery: every });
      await randomHistory(createCommandHandler({ store, repository }), accountId, every * 7919, 45);
      const current = (await plain.load(accountId)).view.state.version;
      expect(current).toBeGreaterThan(20);
      for (let version = 0; version <= current; version += 1) {
        const withSnapshots = await repository.load(accountId, { version });
        const without = await plain.load(accountId, { version });
        expect(toWireAccount(withSnapshots.view, accountId)).toEqual(toWireAccount(without.view, accountId));
        expect(withSnapshots.snapshotVersion).toBeLessThanOrEqual(version);
        expect(version - withSnapshots.snapshotVersion).toBeLessThan(every + 1);
      }
      expect(toWireAccount((await repository.load(accountId)).view, accountId)).toEqual(toWireAccount((await plain.load(accountId)).view, accountId));
    });

    it("saves a snapshot every N events and loads from the latest at or below the wanted version", async () => {
      const accountId = `SNAP-AT-${randomUUID().slice(0, 6)}`;
      const repository = createAccountRepository({ store, snapshotEvery: 5 });
      const handler = createCommandHandler({ store, repository });
      await handler.execute({ commandId: randomUUID(), command: { type: "OpenAccount", accountId, initialBalance: parseMoney("0") } }, audit());
      for (let index = 0; index < 22; index += 1) {
        await handler.execute({ commandId: randomUUID(), command: { type: "Deposit", accountId, amount: parseMoney("1") } }, audit());
      }
      expect((await store.snapshots.latest(accountStream(accountId)))?.revision).toBe(19);
      expect((await repository.load(accountId)).snapshotVersion).toBe(20);
      expect((await repository.load(accountId, { version: 14 })).snapshotVersion).toBe(10);
      expect((await repository.load(accountId, { version: 15 })).snapshotVersion).toBe(15);
      expect((await repository.load(accountId, { version: 4 })).snapshotVersion).toBe(0);
      expect((await repository.load(accountId, { version: 14 })).view.state.balance.toFixed(2)).toBe("13.00");
    });

    it("a snapshot that cannot be saved does not fail the command", async () => {
      const accountId = `SNAP-FAIL-${randomUUID().slice(0, 6)}`;
      const failing: EventStore = {
        ...store,
        snapshots: { ...store.snapshots, save: () => Promise.reject(new Error("disk full")) },
      };
      const repository = createAccountRepository({ store: failing, snapshotEvery: 1 });
      const errors: unknown[] = [];
      const handler = createCommandHandler({ store: failing, repository, onSnapshotError: (error) => errors.push(error) });
      const result = await handler.execute({ commandId: randomUUID(), command: { type: "OpenAccount", accountId, initialBalance: parseMoney("3") } }, audit());
      expect(result.version).toBe(1);
      expect(errors).toHaveLength(1);
      expect(await store.snapshots.latest(accountStream(accountId))).toBeUndefined();
    });
  });
}
