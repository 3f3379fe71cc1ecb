import type { Command } from "commander";
import { withClient } from "../client.js";
import { describeError } from "../errors.js";
import { createEventPrinter } from "../event-output.js";
import { follow } from "../follow.js";
import { parseCount } from "../parse.js";
import type { GlobalOptions } from "../program.js";
import { allStreams } from "./read.js";

interface TailOptions extends GlobalOptions {
  from?: string;
  limit?: string;
  json?: boolean;
}

export function tailCommand(program: Command): void {
  program
    .command("tail")
    .description("follow a stream, or every stream ($all, the default), printing events as they are appended")
    .argument("[stream]", `a stream name, or '${allStreams}'`, allStreams)
    .option("--from <n>", "start at this revision (a stream) or position ($all), inclusive; default: new events only")
    .option("-n, --limit <n>", "stop after this many events")
    .option("--json", "one JSON object per line (NDJSON)")
    .addHelpText(
      "after",
      `
Runs until interrupted (Ctrl-C), which exits 0. When the server is not there or goes
away, says so on stderr and tries again (waits of 0.5 s doubling up to 4 s), then
resumes after the last event shown. A wrong address (not an Annals server, http://
for https:// or the reverse) exits 1 at once.`,
    )
    .action(async (stream: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<TailOptions>();
      const from = options.from === undefined ? undefined : parseCount(options.from, "--from");
      const limit = options.limit === undefined ? undefined : parseCount(options.limit, "--limit");
      const printer = createEventPrinter(process.stdout, options.json === true, true);
      const stop = new AbortController();
      const interrupt = () => stop.abort();
      process.once("SIGINT", interrupt);
      process.once("SIGTERM", interrupt);
      try {
        await withClient(options, async (client) => {
          if (limit === 0n) return;
          let shown = 0n;
          const events = follow(client, {
            stream: stream === allStreams ? undefined : stream,
            from,
            signal: stop.signal,
            url: options.url,
            onRetry: (error, attempt, delayMs) =>
              process.stderr.write(`annals: ${describeError(error, options.url)}; retrying in ${delayMs / 1_000} s (attempt ${attempt})\n`),
            onRecovered: () => process.stderr.write(`annals: connected to the server at ${options.url}\n`),
          });
          try {
            for await (const event of events) {
              await printer.print(event);
              shown += 1n;
              if (limit !== undefined && shown >= limit) return;
            }
          } catch (error) {
            if (!stop.signal.aborted) throw error;
          }
        });
      } finally {
        process.off("SIGINT", interrupt);
        process.off("SIGTERM", interrupt);
        stop.abort();
      }
    });
}
