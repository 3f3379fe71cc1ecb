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
  checkpoint: string[];
  progress?: boolean;
}

/** A named checkpoint as a line of the export, placed after the events up to its position. */
interface CheckpointRecord {
  checkpoint: string;
  position: number;
  updatedAt: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function exportCommand(program: Command): void {
  program
    .command("export")
    .description("write every event (or one stream's) as NDJSON, in global order, for `annals import`")
    .option("-s, --stream <stream>", "only this stream")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .option("-c, --checkpoint <name>", "also export this named checkpoint (repeatable)", collect, [])
    .option("--progress", "show a progress bar on stderr (default: when stderr is a terminal)")
    .option("--no-progress", "never show a progress bar")
    .addHelpText(
      "after",
      `
A checkpoint is written as {"checkpoint": name, "position": n, "updatedAt": ...} after
the last event at or before its position; \`annals import\` stores it once the events
before it are stored, at the position the last of them took.`,
    )
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ExportOptions>();
      await withClient(options, async (client) => {
        const checkpoints: CheckpointRecord[] = [];
        for (const name of new Set(options.checkpoint)) {
          const checkpoint = await client.getCheckpoint(name);
          if (!checkpoint) throw new CommandError(`checkpoint ${name} does not exist`);
          checkpoints.push({ checkpoint: name, position: Number(checkpoint.position), updatedAt: checkpoint.updatedAt.toISOString() });
        }
        checkpoints.sort((a, b) => a.position - b.position);
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
        const emit = async (record: object) => {
          const written = write(out, `${JSON.stringify(record)}\n`);
          await (failed ? Promise.race([written, failed]) : written);
        };
        let nextCheckpoint = 0;
        try {
          const events = options.stream !== undefined ? client.readStream(options.stream) : client.readAll();
          for await (const event of events) {
            while (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint]!.position < event.position) await emit(checkpoints[nextCheckpoint++]!);
            await emit(eventRecord(event, false));
            count += 1;
            if (count % 100 === 0) progress.update(count, count);
          }
          while (nextCheckpoint < checkpoints.length) await emit(checkpoints[nextCheckpoint++]!);
          progress.update(count, count);
        } finally {
          progress.stop();
        }
        if (options.out) {
          out.end();
          await Promise.race([once(out, "finish"), failed]);
        }
        const named = checkpoints.length > 0 ? ` and ${checkpoints.length} checkpoint${checkpoints.length === 1 ? "" : "s"}` : "";
        process.stderr.write(`exported ${count} event${count === 1 ? "" : "s"}${named}${options.out ? ` to ${options.out}` : ""}\n`);
      });
    });
}
