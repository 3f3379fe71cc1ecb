import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { formatMoney } from "@annals/bank";
import {
  AccountOpenedSchema,
  GetHistoryResponseSchema,
  MoneyDepositedSchema,
  MoneyWithdrawnSchema,
  type GetHistoryResponse,
} from "@annals/protocol/bank";
import type { RecordedEvent } from "@annals/store";
import type { AccountView } from "./account-view.js";
import { accountEventTypes } from "./codec.js";

function decoded(event: RecordedEvent): GetHistoryResponse["event"] {
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
export function historyEntry(event: RecordedEvent, after: AccountView): GetHistoryResponse {
  return create(GetHistoryResponseSchema, {
    version: BigInt(event.revision + 1),
    eventId: event.id,
    type: event.type,
    recordedAt: timestampFromMs(event.recordedAt),
    position: BigInt(event.position),
    event: decoded(event),
    metadata: event.metadata,
    balance: formatMoney(after.state.balance),
  });
}
