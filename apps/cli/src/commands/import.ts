import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { Command } from "commander";
import { WrongExpectedRevisionError, type AnnalsClient } from "@annals/sdk";
import { withClient } from "../client.js";
import { CommandError, UsageError } from "../errors.js";
import { runImportPipeline, type ImportBatch, type ImportItem } from "../import-pipeline.js";
import { parseExportLine } from "../import-record.js";
import { openInput } from "../input.js";
import { parseCount } from "../parse.js";
import { createProgress } from "../progress.js";
import type { GlobalOptions } from "../program.js";

interface ImportOptions extends GlobalOptions {
  in?: string;
  batchSize: string;
  concurrency: string;
  window: string;
  keepOrder?: boolean;
  progress?: boolean;
}

interface Tally {
  imported: number;
  present: number;
  checkpoints: number;
  streams: Set<string>;
}

/** Most bytes of events in one append (the server takes 4 MiB by default). */
const batchBytes = 1024 * 1024;
/** Most bytes of events held in memory at once. */
const windowBytes = 64 * 1024 * 1024;

/**
 * The input's events and checkpoints, checked: each stream's revisions must come
 * in order without a gap, as an export holds them.
 */
async function* readExport(stream: Readable, source: string): AsyncGenerator<ImportItem> {
  const nextRevision = new Map<string, number>();
  let lineNumber = 0;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    lineNumber += 1;
    const bytes = Buffer.byteLength(line) + 1;
    if (line.trim().length === 0) continue;
    const where = `${source} line ${lineNumber}`;
    const record = parseExportLine(line, where);
    if (record.kind === "checkpoint") {
      yield { kind: "checkpoint", name: record.name, bytes, line: lineNumber };
      continue;
    }
    const expected = nextRevision.get(record.stream);
    if (expected !== undefined && record.revision !== expected) {
      throw new UsageError(`${where}: stream ${record.stream} goes from revision ${expected - 1} to ${record.revision}; an export holds every revision in order`);
    }
    nextRevision.set(record.stream, record.revision + 1);
    yield { kind: "event", stream: record.stream, revision: record.revision, event: record.event, bytes, line: lineNumber };
  }
}

/**
 * Appends a batch at its exact revisions and resolves with its last position. A
 * batch whose events are stored already (ids and revisions match: an earlier
 * run) is answered as such by the server and counted as present; one stored in
 * part is split where the stream ends.
 */
async function appendBatch(client: AnnalsClient, batch: ImportBatch, headAtStart: bigint, tally: Tally, source: string): Promise<bigint> {
  const last = batch.first + batch.events.length - 1;
  try {
    const result = await client.appendToStream(batch.stream, batch.events, {
      expectedRevision: batch.first === 0 ? "no_stream" : BigInt(batch.first - 1),
    });
    // Fresh events take positions after the log's head at the start; stored ones kept theirs.
    if (result.position <= headAtStart) tally.present += batch.events.length;
    else tally.imported += batch.events.length;
    tally.streams.add(batch.stream);
    return result.position;
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
    const actual = error.actual === undefined ? -1 : Number(error.actual);
    if (actual >= batch.first && actual < last) {
      const split = actual - batch.first + 1;
      const stored = await appendBatch(client, { ...batch, events: batch.events.slice(0, split) }, headAtStart, tally, source);
      const rest = await appendBatch(client, { ...batch, first: actual + 1, events: batch.events.slice(split), line: batch.line + split }, headAtStart, tally, source);
      return stored > rest ? stored : rest;
    }
    const holds = error.actual === undefined ? "does not exist" : `ends at revision ${error.actual}`;
    throw new CommandError(
      `${source} line ${batch.line}: stream ${batch.stream} ${holds}, which does not fit revisions ${batch.first}..${last} of the input (another history is stored under that name)`,
      { cause: error },
    );
  }
}

function atLeastOne(value: string, option: string): number {
  const count = Number(parseCount(value, option));
  if (count < 1) throw new UsageError(`${option}: must be at least 1`);
  return count;
}

export function importCommand(program: Command): void {
  program
    .command("import")
    .description("append the events of an `annals export` file, keeping their ids and revisions; safe to re-run")
    .option("-i, --in <file>", "the NDJSON file; - or absent for stdin")
    .option("--batch-size <n>", "most events per append", "500")
    .option("--concurrency <n>", "appends in flight at once, each for another stream", "32")
    .option("--window <n>", "most events held in memory: read ahead of the appends, or in flight", "50000")
    .option("--keep-order", "one append at a time, in the input's order: the global order of the export is kept exactly (slow)")
    .option("--progress", "show a progress bar on stderr (default: when stderr is a terminal and the input a file)")
    .option("--no-progress", "never show a progress bar")
    .addHelpText(
      "after",
      `
Each stream's events are appended in order at their original revisions (an exact
expected revision), consecutive revisions of a stream together, many streams at once.
Events keep their ids and revisions, so a run that stopped half way can simply be run
again: what is stored is recognised and skipped, nothing is stored twice. Global
positions and commit times are assigned anew: events of different streams may be
stored in another order than the file's, unless --keep-order. A checkpoint of the
export is stored once the events before it are, at the last position they took.`,
    )
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ImportOptions>();
      const batchSize = atLeastOne(options.batchSize, "--batch-size");
      const concurrency = atLeastOne(options.concurrency, "--concurrency");
      const window = atLeastOne(options.window, "--window");
      const input = openInput(options.in, "--in");
      const tally: Tally = { imported: 0, present: 0, checkpoints: 0, streams: new Set() };
      let seconds = 0;
      await withClient(options, async (client) => {
        let headAtStart = 0n;
        for await (const last of client.readAll({ direction: "backwards", maxCount: 1 })) headAtStart = last.position;
        const progress = createProgress({ label: "importing", total: input.size, enabled: options.progress ?? (input.size !== undefined ? undefined : false) });
        const started = performance.now();
        try {
          await runImportPipeline(readExport(input.stream, input.source), {
            concurrency,
            window,
            windowBytes,
            batchSize,
            batchBytes,
            keepOrder: options.keepOrder === true,
            append: (batch) => appendBatch(client, batch, headAtStart, tally, input.source),
            checkpoint: async (name, position) => {
              await client.setCheckpoint(name, position);
              tally.checkpoints += 1;
            },
            onProgress: (bytes, events) => progress.update(bytes, events),
          });
        } finally {
          progress.stop();
          seconds = (performance.now() - started) / 1_000;
        }
      });
      const events = tally.imported + tally.present;
      const present = tally.present > 0 ? ` (${tally.present} already present)` : "";
      const checkpoints = tally.checkpoints > 0 ? `, ${tally.checkpoints} checkpoint${tally.checkpoints === 1 ? "" : "s"}` : "";
      const rate = seconds > 0 ? Math.round(events / seconds) : events;
      process.stderr.write(
        `imported ${tally.imported} event${tally.imported === 1 ? "" : "s"} into ${tally.streams.size} stream${tally.streams.size === 1 ? "" : "s"}${present}${checkpoints} in ${seconds.toFixed(1)} s (${rate} events/s)\n`,
      );
    });
}
