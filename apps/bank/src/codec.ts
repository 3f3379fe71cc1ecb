import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { formatMoney, parseMoney, type AccountEvent } from "@annals/bank";
import { AccountOpenedSchema, AccountSchema, MoneyDepositedSchema, MoneyWithdrawnSchema } from "@annals/protocol/bank";
import type { ResolvedEvent } from "@annals/sdk";
import type { EventCodec, StateCodec } from "@annals/toolkit";
import { fromWireAccount, toWireAccount, type AccountView } from "./account-view.js";

/** The event types an account stream holds: the full protobuf message names. */
export const accountEventTypes = {
  AccountOpened: AccountOpenedSchema.typeName,
  MoneyDeposited: MoneyDepositedSchema.typeName,
  MoneyWithdrawn: MoneyWithdrawnSchema.typeName,
} as const satisfies Record<AccountEvent["type"], string>;

/** What the accounts read model subscribes to: the account events only, filtered on the server. */
export const accountEventTypePrefix = "annals.bank.v1.";

/** Domain events ⇄ the protobuf messages the event store keeps (money as decimal strings with two decimal places). */
export const accountEvents: EventCodec<AccountEvent> = {
  encode(event) {
    switch (event.type) {
      case "AccountOpened":
        return {
          schema: AccountOpenedSchema,
          message: create(AccountOpenedSchema, { accountId: event.accountId, initialBalance: formatMoney(event.initialBalance), owner: event.owner }),
        };
      case "MoneyDeposited":
        return { schema: MoneyDepositedSchema, message: create(MoneyDepositedSchema, { accountId: event.accountId, amount: formatMoney(event.amount) }) };
      case "MoneyWithdrawn":
        return { schema: MoneyWithdrawnSchema, message: create(MoneyWithdrawnSchema, { accountId: event.accountId, amount: formatMoney(event.amount) }) };
    }
  },

  decode(event: ResolvedEvent): AccountEvent {
    if (event.contentType !== "application/protobuf") throw new Error(`content type ${event.contentType}`);
    switch (event.type) {
      case accountEventTypes.AccountOpened: {
        const message = fromBinary(AccountOpenedSchema, event.data);
        return { type: "AccountOpened", accountId: message.accountId, initialBalance: parseMoney(message.initialBalance || "0", "initialBalance"), owner: message.owner };
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
  },
};

/** An account's view in a snapshot: the wire `Account` message, binary. */
export const accountSnapshots: StateCodec<AccountView> = {
  type: AccountSchema.typeName,
  encode: (view) => toBinary(AccountSchema, toWireAccount(view, view.state.accountId)),
  decode: (data) => fromWireAccount(fromBinary(AccountSchema, data)),
};
