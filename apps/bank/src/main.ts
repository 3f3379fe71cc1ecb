import { pino } from "pino";
import { createAnnalsClient } from "@annals/sdk";
import { startBankService } from "./bank-service.js";
import { BankConfigError, bankHelp, loadBankConfig, type BankConfig } from "./config.js";

/** Starts the bank service on the configured event store; serves until SIGINT/SIGTERM. */
export async function serveBank(config: BankConfig): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { service: "annals-bank" } });
  const client = createAnnalsClient({ baseUrl: config.eventStore, ...(config.token ? { token: config.token } : {}) });
  const bank = await startBankService({ client, database: config.db, port: config.port, host: config.host, snapshotEvery: config.snapshotEvery, logger });
  logger.info({ url: bank.url, eventStore: config.eventStore, db: config.db }, `annals bank listening on ${config.host}:${bank.port}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    bank.close().then(
      () => {
        client.close();
        logger.info("stopped");
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

const isEntry = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  let config: BankConfig | "help";
  try {
    config = loadBankConfig(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BankConfigError)) throw error;
    process.stderr.write(`annals-bank: ${error.message}\n`);
    process.exit(2);
  }
  if (config === "help") {
    process.stdout.write(bankHelp());
    process.exit(0);
  }
  serveBank(config).catch((error: unknown) => {
    process.stderr.write(`annals-bank: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
