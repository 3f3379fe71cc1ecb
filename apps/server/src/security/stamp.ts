import { InvalidInputError, type ProposedEvent } from "@annals/store";
import { principalMetadataKey, type Principal } from "./principal.js";

/**
 * The one place where the reserved metadata key is enforced: an append that sets
 * `$principal` itself is refused (INVALID_ARGUMENT, nothing written); with
 * authentication, the server records the authenticated principal's name there.
 * A server without authentication stamps nothing (there is no one to name).
 */
export function stampPrincipal(events: ProposedEvent[], principal: Principal | undefined): ProposedEvent[] {
  events.forEach((event, index) => {
    if (event.metadata !== undefined && Object.hasOwn(event.metadata, principalMetadataKey)) {
      throw new InvalidInputError(`events[${index}].metadata`, `key "${principalMetadataKey}" is reserved: the server records the authenticated principal there`);
    }
  });
  if (principal === undefined || principal.method === "none") return events;
  return events.map((event) => ({ ...event, metadata: { ...event.metadata, [principalMetadataKey]: principal.name } }));
}
