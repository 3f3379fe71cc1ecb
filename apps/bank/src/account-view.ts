import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampMs } from "@bufbuild/protobuf/wkt";
import { Decimal } from "decimal.js";
import { decide, evolve, formatMoney, initialState, type AccountCommand, type AccountEvent, type AccountState } from "@annals/bank";
import { AccountSchema, type Account } from "@annals/protocol/bank";
import type { Decider, EventContext } from "@annals/toolkit";

/** An account's state with the times the event store recorded: what the account service answers. */
export interface AccountView {
  readonly state: AccountState;
  /** When the AccountOpened event was recorded; `undefined` until opened. */
  readonly openedAt: Date | undefined;
  /** When the last applied event was recorded; `undefined` before any. */
  readonly updatedAt: Date | undefined;
}

/** Before any event. */
export function initialView(): AccountView {
  return { state: initialState(), openedAt: undefined, updatedAt: undefined };
}

/** The view after one more recorded event. The version is the event's revision plus one, as in the store. */
export function evolveView(view: AccountView, event: AccountEvent, context: Pick<EventContext, "revision" | "recordedAt">): AccountView {
  const state = { ...evolve(view.state, event), version: Number(context.revision) + 1 };
  return {
    state,
    openedAt: event.type === "AccountOpened" ? context.recordedAt : view.openedAt,
    updatedAt: context.recordedAt,
  };
}

/** The bank's decider (`@annals/bank`) over views: the rules see the state, the fold also keeps the times. */
export const accountDecider: Decider<AccountCommand, AccountEvent, AccountView> = {
  initialState: initialView,
  evolve: evolveView,
  decide: (command, view) => decide(command, view.state),
};

/** The view as the wire's `Account`; `accountId` names it even before it is opened. */
export function toWireAccount(view: AccountView, accountId: string): Account {
  return create(AccountSchema, {
    accountId,
    owner: view.state.owner,
    balance: formatMoney(view.state.balance),
    version: BigInt(view.state.version),
    opened: view.state.opened,
    openedAt: view.openedAt === undefined ? undefined : timestampFromDate(view.openedAt),
    updatedAt: view.updatedAt === undefined ? undefined : timestampFromDate(view.updatedAt),
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
    openedAt: account.openedAt === undefined ? undefined : new Date(timestampMs(account.openedAt)),
    updatedAt: account.updatedAt === undefined ? undefined : new Date(timestampMs(account.updatedAt)),
  };
}
