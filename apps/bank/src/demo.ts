import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { AnnalsError, Code, createAnnalsClient } from "@annals/sdk";
import { createLogger, startServer } from "@annals/server";
import { openEventStore } from "@annals/store";
import { startBankService } from "./bank-service.js";
import { createBankClient } from "./client.js";

/**
 * The seed's scenario (the bank account: open 100, deposit 50, withdraw 25, the
 * state at version 2, a refused overdraft) across two services: an event store
 * on a temporary SQLite database, and the bank service in front of it, which
 * reaches it over gRPC through the SDK. The client talks to the bank. Prints
 * what the seed prints and exits 0 only when every figure is the seed's.
 *
 *   npm run demo
 */
export async function runDemo(print: (line: string) => void = console.log): Promise<boolean> {
  const folder = mkdtempSync(join(tmpdir(), "annals-demo-"));
  // The event store runs in this process for the demo's sake; the bank reaches it only over the network.
  const store = await openEventStore({ database: join(folder, "annals.db") });
  const server = await startServer({ store, logger: createLogger({ level: "silent", pretty: false }), port: 0, host: "127.0.0.1", shutdownGraceMs: 1_000 });
  const eventStore = createAnnalsClient({ baseUrl: server.url });
  const service = await startBankService({ client: eventStore, database: join(folder, "bank.db"), port: 0, host: "127.0.0.1" });
  const bank = createBankClient({ baseUrl: service.url, actor: "demo" });
  const failures: string[] = [];
  const check = (what: string, actual: unknown, expected: unknown) => {
    if (actual !== expected) failures.push(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  };
  try {
    print("=== Event Sourcing Demo ===");
    print(`(event store at ${server.url}, bank service at ${service.url}, temporary SQLite databases, gRPC all the way)\n`);

    const account = "ACC-001";
    await bank.openAccount(account, "100", { owner: "Seed" });
    await bank.deposit(account, "50");
    const last = await bank.withdraw(account, "25");
    print(`Account balance: $${last.balance}`);
    print(`Version: ${last.version}\n`);
    check("balance", last.balance, "125.00");
    check("version", last.version, 3n);

    print("Reloading account from event store...");
    const loaded = await bank.getAccount(account);
    print(`Loaded balance: $${loaded.balance}`);
    print(`Loaded version: ${loaded.version}\n`);
    check("loaded balance", loaded.balance, "125.00");
    check("loaded version", loaded.version, 3n);

    print("Event history:");
    const types: string[] = [];
    for await (const entry of bank.getHistory(account)) {
      const name = entry.type.replace("annals.bank.v1.", "");
      const amount = entry.event.case === "accountOpened" ? entry.event.value.initialBalance : (entry.event.value?.amount ?? "");
      const time = entry.recordedAt ? timestampDate(entry.recordedAt).toISOString() : "?";
      print(`  ${time}: ${name.padEnd(14)} - v${entry.version}  amount ${amount.padStart(6)}  balance ${entry.balance.padStart(6)}  by ${entry.metadata["actor"]}`);
      types.push(`${name}@${entry.version}=${entry.balance}`);
    }
    check("history", types.join(", "), "AccountOpened@1=100.00, MoneyDeposited@2=150.00, MoneyWithdrawn@3=125.00");

    print("\nState at version 2:");
    const atTwo = await bank.getAccount(account, { version: 2 });
    print(`Balance at v2: $${atTwo.balance}`);
    check("balance at version 2", atTwo.balance, "150.00");
    check("version of the state at version 2", atTwo.version, 2n);

    print("\nOverdraft: withdrawing 1000 from a balance of 125...");
    try {
      await bank.withdraw(account, "1000");
      failures.push("overdraft: the withdrawal was accepted");
    } catch (error) {
      if (!(error instanceof AnnalsError)) throw error;
      const status = Code[error.code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
      print(`Refused: ${status} (${error.code}): ${error.message}`);
      check("overdraft code", error.code, Code.FailedPrecondition);
    }
    const after = await bank.getAccount(account);
    print(`Balance after the refusal: $${after.balance} (version ${after.version})`);
    check("balance after the refusal", after.balance, "125.00");
    check("version after the refusal", after.version, 3n);
  } finally {
    bank.close();
    await service.close();
    eventStore.close();
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    print("\nFAILED:");
    for (const failure of failures) print(`  ${failure}`);
    return false;
  }
  print("\nEvery figure matches the seed.");
  return true;
}

const isEntry = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  runDemo().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error("demo failed:", error);
      process.exit(1);
    },
  );
}
