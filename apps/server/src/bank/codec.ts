import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { formatMoney, parseMoney, type AccountEvent } from "@annals/bank";
import { AccountOpenedSchema, MoneyDepositedSchema, MoneyWithdrawnSchema } from "@annals/protocol/bank";
import type { RecordedEvent } from "@annals/store";
import { UnreadableAccountEventError } from "./errors.js";

/** The event types an account stream holds: the full protobuf message names. */
export const accountEventTypes = {
  AccountOpened: AccountOpenedSchema.typeName,
  MoneyDeposited: MoneyDepositedSchema.typeName,
  MoneyWithdrawn: MoneyWithdrawnSchema.typeName,
} as const satisfies Record<AccountEvent["type"], string>;

const knownTypes = new Set<string>(Object.values(accountEventTypes));

/** Whether `type` is one of the account event types. */
export function isAccountEventType(type: string): boolean {
  return knownTypes.has(type);
}

/** A domain event as the store keeps it: its type name and protobuf bytes. */
export function encodeAccountEvent(event: AccountEvent): { type: string; data: Uint8Array } {
  switch (event.type) {
    case "AccountOpened":
      return {
        type: accountEventTypes.AccountOpened,
        data: toBinary(
          AccountOpenedSchema,
          create(AccountOpenedSchema, { accountId: event.accountId, initialBalance: formatMoney(event.initialBalance), owner: event.owner }),
        ),
      };
    case "MoneyDeposited":
      return {
        type: accountEventTypes.MoneyDeposited,
        data: toBinary(MoneyDepositedSchema, create(MoneyDepositedSchema, { accountId: event.accountId, amount: formatMoney(event.amount) })),
      };
    case "MoneyWithdrawn":
      return {
        type: accountEventTypes.MoneyWithdrawn,
        data: toBinary(MoneyWithdrawnSchema, create(MoneyWithdrawnSchema, { accountId: event.accountId, amount: formatMoney(event.amount) })),
      };
  }
}

/**
 * A recorded event as a domain event.
 *
 * @throws UnreadableAccountEventError when its type is not an account event
 * type or its bytes or money do not decode.
 */
export function decodeAccountEvent(event: RecordedEvent): AccountEvent {
  try {
    if (event.contentType !== "application/protobuf") throw new Error(`content type ${event.contentType}`);
    switch (event.type) {
      case accountEventTypes.AccountOpened: {
        const message = fromBinary(AccountOpenedSchema, event.data);
        return {
          type: "AccountOpened",
          accountId: message.accountId,
          initialBalance: parseMoney(message.initialBalance || "0", "initialBalance"),
          owner: message.owner,
        };
      }
      case accountEventTypes.MoneyDeposited: {
        const message = fromBinary(MoneyDepositedSchema, event.data);
        return { type: "MoneyDeposited", accountId: message.accountId, amount: parseMoney(message.amount) };
      }
      case accountEventTypes.MoneyWithdrawn: {
        const message = fromBinary(MoneyWithdrawnSchema, event.data);
        return { type: "MoneyWithdrawn", accountId: message.accountId, amount: parseMoney(message.amount) };
      }
      default:
        throw new Error(`type ${event.type} is not an account event`);
    }
  } catch (error) {
    throw new UnreadableAccountEventError(event.stream, event.revision, error instanceof Error ? error.message : String(error));
  }
}
