export { startBankService, defaultBankDatabase, type BankLogger, type BankService, type BankServiceOptions } from "./bank-service.js";
export {
  createBankClient,
  type AccountsPage,
  type BankClient,
  type BankClientOptions,
  type CommandOptions,
  type CommandOutcome,
  type GetAccountOptions,
  type GetHistoryOptions,
} from "./client.js";
export { loadBankConfig, bankSettings, bankHelp, BankConfigError, type BankConfig } from "./config.js";
export { serveBank } from "./main.js";
export { auditHeaders } from "./audit.js";
export { accountStream } from "./streams.js";
export { accountDecider, type AccountView } from "./account-view.js";
export { accountEvents, accountSnapshots } from "./codec.js";
