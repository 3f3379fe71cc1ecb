import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Command } from "commander";
import { withClient } from "../client.js";
import { CommandError } from "../errors.js";
import { eventRecord } from "../event-json.js";
import { write } from "../output.js";
import { createProgress } from "../progress.js";
import type { GlobalOptions } from "../program.js";

interface ExportOptions extends GlobalOptions {
  stream?: string;
  out?: string;
  progress?: boolean;
}

export function exportCommand(program: Command): void {
  program
    .command("export")
    .description("write every event (or one stream's) as NDJSON, in global order, for `annals import`")
    .option("-s, --stream <stream>", "only this stream")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .option("--progress", "show a progress bar on stderr (default: when stderr is a terminal)")
    .option("--no-progress", "never show a progress bar")
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ExportOptions>();
      await withClient(options.url, async (client) => {
        let total: bigint;
        if (options.stream !== undefined) {
          const state = await client.getStream(options.stream);
          if (!state) throw new CommandError(`stream ${options.stream} does not exist`);
          total = state.lastRevision + 1n;
        } else {
          let head = 0n;
          for await (const last of client.readAll({ direction: "backwards", maxCount: 1 })) head = last.position;
          total = head;
        }
        const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
        const failed = options.out ? once(out, "error").then(([error]) => Promise.reject(error as Error)) : undefined;
        failed?.catch(() => undefined);
        const progress = createProgress({ label: "exporting", total: Number(total), enabled: options.progress });
        let count = 0;
        try {
          const events = options.stream !== undefined ? client.readStream(options.stream) : client.readAll();
          for await (const event of events) {
            const written = write(out, `${JSON.stringify(eventRecord(event, false))}\n`);
            await (failed ? Promise.race([written, failed]) : written);
            count += 1;
            if (count % 100 === 0) progress.update(count, count);
          }
          progress.update(count, count);
        } finally {
          progress.stop();
        }
        if (options.out) {
          out.end();
          await Promise.race([once(out, "finish"), failed]);
        }
        process.stderr.write(`exported ${count} event${count === 1 ? "" : "s"}${options.out ? ` to ${options.out}` : ""}\n`);
      });
    });
}
