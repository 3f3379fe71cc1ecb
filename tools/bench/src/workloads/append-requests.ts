import { create, toBinary } from "@bufbuild/protobuf";
import { AppendRequestSchema } from "@annals/protocol";
import { eventId, eventType, payload } from "../fixtures.js";

/** An encoded AppendRequest of `events` fresh events to `stream`, expected revision `any`. */
export function appendRequestBytes(stream: string, events: number): Uint8Array {
  return toBinary(
    AppendRequestSchema,
    create(AppendRequestSchema, {
      stream,
      events: Array.from({ length: events }, () => ({ id: eventId(), type: eventType, data: payload })),
    }),
  );
}
