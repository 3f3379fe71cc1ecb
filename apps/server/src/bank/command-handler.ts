import type { Decimal } from "decimal.js";
import { decide, replay, type AccountCommand, type AccountEvent } from "@annals/bank";
import { WrongExpectedRevisionError, type EventStore, type RecordedEvent } from "@annals/store";
import { auditMetadata, type AuditContext } from "./audit.js";
import { decodeAccountEvent, encodeAccountEvent } from "./codec.js";
import { CommandIdReusedError, ConcurrencyConflictError, WrongExpectedVersionError } from "./errors.js";
import { commandEventId } from "./event-ids.js";
import { createKeyedLock } from "./keyed-lock.js";
import type { AccountRepository } from "./repository.js";
import { accountStream } from "./streams.js";

/** A command as the handler runs it: the domain command plus idempotency and concurrency. */
export interface CommandRequest {
  /** The client's id for the command; the same id on the same account is the same command. */
  commandId: string;
  command: AccountCommand;
  /** When set, refuse the command unless the account is at this version. */
  expectedVersion?: number;
}

export interface CommandResult {
  /** The account's version after the command. */
  version: number;
  /** The balance after the command. */
  balance: Decimal;
  /** The global position of the command's (last) event. */
  position: number;
  /** True when the command had already been applied and nothing new was recorded. */
  alreadyApplied: boolean;
}

export interface CommandHandlerOptions {
  store: EventStore;
  repository: AccountRepository;
  /** Most attempts when other writers change the account meanwhile. Default 8. */
  maxAttempts?: number;
  /** Called when a snapshot could not be saved (the command stands). */
  onSnapshotError?: (error: unknown) => void;
}

export interface CommandHandler {
  execute(request: CommandRequest, audit: AuditContext): Promise<CommandResult>;
}

/** The most events one command may record: the ids looked up to recognise a command sent again. */
const maxEventsPerCommand = 8;

const eventTypeOf: Record<AccountCommand["type"], AccountEvent["type"]> = {
  OpenAccount: "AccountOpened",
  Deposit: "MoneyDeposited",
  Withdraw: "MoneyWithdrawn",
};

/** Whether a recorded first event is what `command` records: same kind, same amounts. */
function sameCommand(command: AccountCommand, recorded: AccountEvent): boolean {
  if (recorded.type !== eventTypeOf[command.type]) return false;
  switch (command.type) {
    case "OpenAccount":
      return recorded.type === "AccountOpened" && recorded.initialBalance.equals(command.initialBalance) && recorded.owner === (command.owner ?? "");
    case "Deposit":
    case "Withdraw":
      return recorded.type !== "AccountOpened" && recorded.amount.equals(command.amount);
  }
}

function pause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs account commands: load (snapshot and later events), decide, append
 * with the loaded revision as the expected one.
 *
 * - Commands on one account run one at a time in this process, so they do not
 *   conflict with each other; a conflict with another process is retried (up
 *   to `maxAttempts`, with jittered back-off) unless the caller gave an
 *   expected version, in which case the conflict is the answer.
 * - A command's event ids derive from its account and command id: a command
 *   sent again, even after a restart, finds its events, records nothing and
 *   answers the first result.
 */
export function createCommandHandler(options: CommandHandlerOptions): CommandHandler {
  const { store, repository } = options;
  const maxAttempts = options.maxAttempts ?? 8;
  const locks = createKeyedLock();

  /** The first result of a command already applied, `undefined` when it never was. */
  async function earlierResult(request: CommandRequest): Promise<CommandResult | undefined> {
    const { accountId } = request.command;
    const ids = Array.from({ length: maxEventsPerCommand }, (_, index) => commandEventId(accountId, request.commandId, index));
    const recorded: RecordedEvent[] = await store.findEvents(ids);
    const first = recorded[0];
    if (first === undefined) return undefined;
    if (first.stream !== accountStream(accountId) || !sameCommand(request.command, decodeAccountEvent(first))) {
      throw new CommandIdReusedError(accountId, request.commandId);
    }
    const last = recorded[recorded.length - 1]!;
    const { view } = await repository.load(accountId, { version: last.revision + 1 });
    return { version: view.state.version, balance: view.state.balance, position: last.position, alreadyApplied: true };
  }

  async function attempt(request: CommandRequest, audit: AuditContext): Promise<CommandResult | WrongExpectedRevisionError> {
    const earlier = await earlierResult(request);
    if (earlier) return earlier;
    const { accountId } = request.command;
    const loaded = await repository.load(accountId);
    const version = loaded.view.state.version;
    if (request.expectedVersion !== undefined && request.expectedVersion !== version) {
      throw new WrongExpectedVersionError(accountId, request.expectedVersion, version);
    }
    const events = decide(request.command, loaded.view.state);
    if (events.length > maxEventsPerCommand) throw new Error(`a command recorded ${events.length} events, more than ${maxEventsPerCommand}`);
    const metadata = auditMetadata(audit, request.commandId, request.command.type);
    const proposed = events.map((event, index) => ({ id: commandEventId(accountId, request.commandId, index), ...encodeAccountEvent(event), metadata }));
    let appended;
    try {
      appended = await store.appendToStream(accountStream(accountId), proposed, { expectedRevision: version === 0 ? "no_stream" : version - 1 });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return error;
      throw error;
    }
    const after = replay(events, loaded.view.state);
    if (repository.snapshotEvery > 0 && after.version - loaded.snapshotVersion >= repository.snapshotEvery) {
      // The snapshot carries the commit times, so it is taken from the store.
      await repository
        .load(accountId)
        .then((current) => repository.snapshotIfDue(accountId, current.view, loaded.snapshotVersion))
        .catch((error: unknown) => options.onSnapshotError?.(error));
    }
    return { version: after.version, balance: after.balance, position: appended.position, alreadyApplied: false };
  }

  return {
    execute(request, audit) {
      const { accountId } = request.command;
      return locks.run(accountId, async () => {
        for (let attempts = 1; ; attempts += 1) {
          const outcome = await attempt(request, audit);
          if (!(outcome instanceof WrongExpectedRevisionError)) return outcome;
          if (request.expectedVersion !== undefined) {
            const earlier = await earlierResult(request);
            if (earlier) return earlier;
            throw new WrongExpectedVersionError(accountId, request.expectedVersion, outcome.actual === undefined ? 0 : outcome.actual + 1);
          }
          if (attempts >= maxAttempts) throw new ConcurrencyConflictError(accountId, attempts);
          await pause(attempts);
        }
      });
    },
  };
}
