import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { formatMoney } from "@annals/bank";
import {
  AccountOpenedSchema,
  GetHistoryResponseSchema,
  MoneyDepositedSchema,
  MoneyWithdrawnSchema,
  type GetHistoryResponse,
} from "@annals/protocol/bank";
import type { ResolvedEvent } from "@annals/sdk";
import type { AccountView } from "./account-view.js";
import { accountEventTypes } from "./codec.js";

function decoded(event: ResolvedEvent): GetHistoryResponse["event"] {
  switch (event.type) {
    case accountEventTypes.AccountOpened:
      return { case: "accountOpened", value: fromBinary(AccountOpenedSchema, event.data) };
    case accountEventTypes.MoneyDeposited:
      return { case: "moneyDeposited", value: fromBinary(MoneyDepositedSchema, event.data) };
    case accountEventTypes.MoneyWithdrawn:
      return { case: "moneyWithdrawn", value: fromBinary(MoneyWithdrawnSchema, event.data) };
    default:
      return { case: undefined };
  }
}

/** One history entry: the event as recorded, decoded, with the view right after it. */
export function historyEntry(event: ResolvedEvent, after: AccountView): GetHistoryResponse {
  return create(GetHistoryResponseSchema, {
    version: event.revision + 1n,
    eventId: event.id,
    type: event.type,
    recordedAt: timestampFromDate(event.recordedAt),
    position: event.position,
    event: decoded(event),
    metadata: event.metadata,
    balance: formatMoney(after.state.balance),
  });
}
