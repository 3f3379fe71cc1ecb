import type { Writable } from "node:stream";
import type { ResolvedEvent } from "@annals/sdk";
import { eventRecord, payloadJson } from "./event-json.js";
import { createTable, truncate, write } from "./output.js";

/**
 * Prints events as a table, or as NDJSON (`json`), as they arrive. A `live` table
 * prints each row at once, in columns of fixed widths.
 */
export function createEventPrinter(out: Writable, json: boolean, live = false) {
  if (json) {
    return {
      print: (event: ResolvedEvent) => write(out, `${JSON.stringify(eventRecord(event, true))}\n`),
      end: async () => undefined,
    };
  }
  const table = createTable(out, ["POSITION", "STREAM", "REVISION", "TYPE", "RECORDED", "DATA"], live ? { sample: 1, minWidths: [8, 24, 8, 32, 24] } : {});
  return {
    print: (event: ResolvedEvent) => {
      const payload = payloadJson(event);
      const data = payload === undefined ? `(${event.data.byteLength} bytes ${event.contentType})` : JSON.stringify(payload);
      return table.row([
        String(event.position),
        truncate(event.stream, 40),
        String(event.revision),
        truncate(event.type, 48),
        event.recordedAt.toISOString(),
        truncate(data, 100),
      ]);
    },
    end: () => table.end(),
  };
}
