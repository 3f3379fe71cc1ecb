import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "decimal.js";
import { evolve, formatMoney, initialState, type AccountState } from "@annals/bank";
import { AccountSchema, type Account } from "@annals/protocol/bank";
import type { RecordedEvent } from "@annals/store";
import { decodeAccountEvent } from "./codec.js";

/** An account's state with the times the store recorded: what the account service answers. */
export interface AccountView {
  readonly state: AccountState;
  /** When the AccountOpened event was recorded, ms since the epoch; `undefined` until opened. */
  readonly openedAt: number | undefined;
  /** When the last applied event was recorded; `undefined` before any. */
  readonly updatedAt: number | undefined;
}

/** Before any event. */
export function initialView(): AccountView {
  return { state: initialState(), openedAt: undefined, updatedAt: undefined };
}

/** The view after one more recorded event. The version is the event's revision plus one, as in the store. */
export function evolveView(view: AccountView, event: RecordedEvent): AccountView {
  const domainEvent = decodeAccountEvent(event);
  const state = { ...evolve(view.state, domainEvent), version: event.revision + 1 };
  return {
    state,
    openedAt: domainEvent.type === "AccountOpened" ? event.recordedAt : view.openedAt,
    updatedAt: event.recordedAt,
  };
}

/** The view as the wire's `Account`; `accountId` names it even before it is opened. */
export function toWireAccount(view: AccountView, accountId: string): Account {
  return create(AccountSchema, {
    accountId,
    owner: view.state.owner,
    balance: formatMoney(view.state.balance),
    version: BigInt(view.state.version),
    opened: view.state.opened,
    openedAt: view.openedAt === undefined ? undefined : timestampFromMs(view.openedAt),
    updatedAt: view.updatedAt === undefined ? undefined : timestampFromMs(view.updatedAt),
  });
}

const plainDecimal = /^-?\d+(\.\d+)?$/;

/**
 * The view back from a wire `Account` (a snapshot, a read-model row). The
 * balance is read exactly, whatever its size: a balance may outgrow the bounds
 * of an amount sent by a client.
 */
export function fromWireAccount(account: Account): AccountView {
  if (!plainDecimal.test(account.balance)) throw new Error(`balance "${account.balance}" is not a plain decimal`);
  return {
    state: {
      opened: account.opened,
      accountId: account.opened ? account.accountId : "",
      owner: account.owner,
      balance: new Decimal(account.balance),
      version: Number(account.version),
    },
    openedAt: account.openedAt === undefined ? undefined : timestampMs(account.openedAt),
    updatedAt: account.updatedAt === undefined ? undefined : timestampMs(account.updatedAt),
  };
}
