import { Decimal } from "decimal.js";
import type { Knex } from "knex";
import { formatMoney } from "@annals/bank";
import type { ResolvedEvent } from "@annals/sdk";
import { evolveView, initialView, type AccountView } from "../account-view.js";
import { accountEvents, accountEventTypes } from "../codec.js";
import { accountIdOf } from "../streams.js";
import { readAccountRows, upsertAccountRows, type AccountRow } from "./accounts-table.js";

/** The projection's name, under which its checkpoint is kept. */
export const accountsProjectionName = "bank.accounts";

const accountTypes = new Set<string>(Object.values(accountEventTypes));

/** The view a row holds, as the account service answers it. */
export function accountViewOfRow(row: AccountRow): AccountView {
  const opened = row.opened === true || row.opened === 1;
  return {
    state: { opened, accountId: opened ? row.account_id : "", owner: row.owner, balance: new Decimal(row.balance), version: Number(row.version) },
    openedAt: row.opened_at === null ? undefined : new Date(Number(row.opened_at)),
    updatedAt: row.updated_at === null ? undefined : new Date(Number(row.updated_at)),
  };
}

function rowOf(accountId: string, view: AccountView, position: bigint): AccountRow {
  return {
    account_id: accountId,
    owner: view.state.owner,
    balance: formatMoney(view.state.balance),
    version: view.state.version,
    opened: view.state.opened,
    opened_at: view.openedAt?.getTime() ?? null,
    updated_at: view.updatedAt?.getTime() ?? null,
    position: Number(position),
  };
}

export interface AccountsProjectionOptions {
  /** Told about an event of an account stream that cannot be read; the projection goes on without it. */
  onUnreadable?: (event: ResolvedEvent, error: unknown) => void;
}

/**
 * Folds a batch of account events into the `accounts` rows. Runs inside the
 * transaction that also moves the projection's checkpoint. Events of other
 * streams that passed the server's type filter are ignored.
 */
export function applyAccountEvents(options: AccountsProjectionOptions = {}) {
  return async (trx: Knex, events: readonly ResolvedEvent[]): Promise<void> => {
    const relevant = events.filter((event) => accountIdOf(event.stream) !== undefined && accountTypes.has(event.type));
    if (relevant.length === 0) return;
    const ids = [...new Set(relevant.map((event) => accountIdOf(event.stream)!))];
    const existing = await readAccountRows(trx, ids);
    const views = new Map<string, { view: AccountView; position: bigint }>();
    for (const [id, row] of existing) views.set(id, { view: accountViewOfRow(row), position: BigInt(row.position) });
    const changed = new Set<string>();
    for (const event of relevant) {
      const id = accountIdOf(event.stream)!;
      const current = views.get(id);
      if (current !== undefined && event.position <= current.position) continue;
      try {
        const view = evolveView(current?.view ?? initialView(), accountEvents.decode(event), event);
        views.set(id, { view, position: event.position });
        changed.add(id);
      } catch (error) {
        options.onUnreadable?.(event, error);
      }
    }
    await upsertAccountRows(
      trx,
      [...changed].map((id) => {
        const { view, position } = views.get(id)!;
        return rowOf(id, view, position);
      }),
    );
  };
}
