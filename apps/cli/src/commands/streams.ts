import type { Command } from "commander";
import { withClient } from "../client.js";
import { createTable, write } from "../output.js";
import { parseCount } from "../parse.js";
import type { GlobalOptions } from "../program.js";

interface StreamsOptions extends GlobalOptions {
  prefix?: string;
  limit?: string;
  json?: boolean;
}

export function streamsCommand(program: Command): void {
  program
    .command("streams")
    .description("list streams in name order with their event counts")
    .option("-p, --prefix <prefix>", "only streams whose name starts with this")
    .option("-n, --limit <n>", "at most this many streams")
    .option("--json", "one JSON object per line (NDJSON)")
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<StreamsOptions>();
      const limit = options.limit === undefined ? undefined : parseCount(options.limit, "--limit");
      const table = options.json ? undefined : createTable(process.stdout, ["STREAM", "EVENTS", "LAST REVISION", "LAST POSITION"]);
      await withClient(options, async (client) => {
        let listed = 0n;
        const pageSize = limit !== undefined && limit < 1_000n ? Number(limit) || 1 : 1_000;
        for await (const stream of client.listStreams({ prefix: options.prefix, pageSize })) {
          if (limit !== undefined && listed >= limit) break;
          listed += 1n;
          if (table) await table.row([stream.stream, String(stream.eventCount), String(stream.lastRevision), String(stream.lastPosition)]);
          else {
            const record = {
              stream: stream.stream,
              events: Number(stream.eventCount),
              lastRevision: Number(stream.lastRevision),
              lastPosition: Number(stream.lastPosition),
            };
            await write(process.stdout, `${JSON.stringify(record)}\n`);
          }
        }
      });
      await table?.end();
    });
}
