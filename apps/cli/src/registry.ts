import { createRegistry, type Registry } from "@bufbuild/protobuf";
import { file_annals_eventstore_v1_errors, file_annals_eventstore_v1_event, file_annals_eventstore_v1_event_store } from "@annals/protocol";
import { file_annals_bank_v1_account, file_annals_bank_v1_commands, file_annals_bank_v1_events } from "@annals/protocol/bank";

/**
 * The protobuf types the CLI knows by name: events given as JSON with one of these
 * types are encoded as protobuf (JSON mapping), and read back as JSON.
 */
export const knownTypes: Registry = createRegistry(
  file_annals_bank_v1_events,
  file_annals_bank_v1_commands,
  file_annals_bank_v1_account,
  file_annals_eventstore_v1_event,
  file_annals_eventstore_v1_errors,
  file_annals_eventstore_v1_event_store,
);
