import type { Command } from "commander";
import { withClient } from "../client.js";
import { parseEventsText, toRawEvent } from "../event-json.js";
import { readInput } from "../input.js";
import { write } from "../output.js";
import { parseExpectedRevision } from "../parse.js";
import type { GlobalOptions } from "../program.js";

interface AppendOptions extends GlobalOptions {
  file?: string;
  expectedRevision?: string;
  json?: boolean;
}

export function appendCommand(program: Command): void {
  program
    .command("append")
    .description("append events to a stream, atomically")
    .argument("<stream>", "the stream to append to")
    .option("-f, --file <file>", "events as JSON: an array, one object, or one object per line; - for stdin (default)")
    .option("-e, --expected-revision <revision>", "any (default), no_stream, stream_exists, or the stream's last revision")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
An event is {"type": "...", "data": "<base64>"} or {"type": "...", "json": {...}}, with an
optional "id" (UUID: re-sending the same ids is harmless), "metadata" (strings) and
"contentType". A "json" payload of a known protobuf type (annals.bank.v1.*,
annals.eventstore.v1.*) is stored as protobuf; of any other type, as application/json.

  echo '{"type":"annals.bank.v1.MoneyDeposited","json":{"accountId":"a-1","amount":"5.00"}}' \\
    | annals append account-a-1 --expected-revision 0`,
    )
    .action(async (stream: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<AppendOptions>();
      const expectedRevision = parseExpectedRevision(options.expectedRevision ?? "any");
      const { text, source } = await readInput(options.file, "--file");
      const events = parseEventsText(text, source).map((value, index) => toRawEvent(value, `${source} event ${index + 1}`));
      const result = await withClient(options, (client) => client.appendToStream(stream, events, { expectedRevision }));
      await write(
        process.stdout,
        options.json
          ? `${JSON.stringify({ stream, events: events.length, revision: Number(result.revision), position: Number(result.position) })}\n`
          : `appended ${events.length} event${events.length === 1 ? "" : "s"} to ${stream}: revision ${result.revision}, position ${result.position}\n`,
      );
    });
}
