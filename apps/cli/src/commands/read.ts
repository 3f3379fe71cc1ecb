import type { Command } from "commander";
import { withClient } from "../client.js";
import { createEventPrinter } from "../event-output.js";
import { parseCount } from "../parse.js";
import type { GlobalOptions } from "../program.js";

interface ReadOptions extends GlobalOptions {
  from?: string;
  backwards?: boolean;
  limit?: string;
  json?: boolean;
}

/** The name that reads the global log instead of one stream (stream names never start with `$`). */
export const allStreams = "$all";

export function readCommand(program: Command): void {
  program
    .command("read")
    .description("read a stream, or the global log ($all), as a table or NDJSON")
    .argument("<stream>", `a stream name, or '${allStreams}' (quoted in a shell) for every stream in global order`)
    .option("--from <n>", "start at this revision (a stream) or position ($all), inclusive")
    .option("-b, --backwards", "newest first")
    .option("-n, --limit <n>", "at most this many events")
    .option("--json", "one JSON object per line (NDJSON): every field, data in base64, and the payload as json when readable")
    .action(async (stream: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ReadOptions>();
      const from = options.from === undefined ? undefined : parseCount(options.from, "--from");
      const maxCount = options.limit === undefined ? undefined : parseCount(options.limit, "--limit");
      const direction = options.backwards ? ("backwards" as const) : ("forwards" as const);
      const printer = createEventPrinter(process.stdout, options.json === true);
      await withClient(options, async (client) => {
        const events =
          stream === allStreams
            ? client.readAll({ direction, fromPosition: from, maxCount })
            : client.readStream(stream, { direction, fromRevision: from, maxCount });
        for await (const event of events) await printer.print(event);
      });
      await printer.end();
    });
}
