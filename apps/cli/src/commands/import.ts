import { createInterface } from "node:readline";
import type { Command } from "commander";
import { WrongExpectedRevisionError, type AnnalsClient, type RawEvent } from "@annals/sdk";
import { withClient } from "../client.js";
import { CommandError, UsageError } from "../errors.js";
import { toRawEvent } from "../event-json.js";
import { openInput } from "../input.js";
import { parseCount } from "../parse.js";
import { createProgress } from "../progress.js";
import type { GlobalOptions } from "../program.js";

interface ImportOptions extends GlobalOptions {
  in?: string;
  batchSize?: string;
  progress?: boolean;
}

/** Consecutive events of one stream, appended together. */
interface Batch {
  stream: string;
  /** Revision of the first event. */
  first: number;
  events: RawEvent[];
  bytes: number;
  /** Input line of the first event, for messages. */
  line: number;
}

interface Tally {
  imported: number;
  present: number;
  streams: Set<string>;
}

const maxBatchBytes = 1024 * 1024;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One NDJSON line of an export: the event, its stream and its revision. */
function parseRecord(line: string, where: string): { stream: string; revision: number; event: RawEvent } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new UsageError(`${where}: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UsageError(`${where}: not a JSON object`);
  const record = value as Record<string, unknown>;
  if (typeof record["stream"] !== "string" || record["stream"].length === 0) throw new UsageError(`${where}: "stream" must be a non-empty string`);
  const revision = record["revision"];
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 0) throw new UsageError(`${where}: "revision" must be a whole number`);
  if (typeof record["id"] !== "string" || !uuid.test(record["id"])) {
    throw new UsageError(`${where}: "id" must be the event's UUID (it makes a re-run skip what is stored)`);
  }
  // An export line carries `data`; a `read --json` line may carry the decoded `json` as well.
  const { json, ...rest } = record;
  const event = toRawEvent(rest["data"] === undefined ? { ...rest, json } : rest, where);
  return { stream: record["stream"], revision, event };
}

/**
 * Appends a batch at its exact revisions. A batch whose events are stored already
 * (ids and revisions match: an earlier run) is answered as such by the server and
 * counted as present; one stored in part is split where the stream ends.
 */
async function appendBatch(client: AnnalsClient, batch: Batch, headAtStart: bigint, tally: Tally, source: string): Promise<void> {
  const last = batch.first + batch.events.length - 1;
  try {
    const result = await client.appendToStream(batch.stream, batch.events, {
      expectedRevision: batch.first === 0 ? "no_stream" : BigInt(batch.first - 1),
    });
    // Fresh events take positions after the log's head at the start; stored ones kept theirs.
    if (result.position <= headAtStart) tally.present += batch.events.length;
    else tally.imported += batch.events.length;
    tally.streams.add(batch.stream);
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
    const actual = error.actual === undefined ? -1 : Number(error.actual);
    if (actual >= batch.first && actual < last) {
      const split = actual - batch.first + 1;
      await appendBatch(client, { ...batch, events: batch.events.slice(0, split) }, headAtStart, tally, source);
      await appendBatch(client, { ...batch, first: actual + 1, events: batch.events.slice(split), line: batch.line + split }, headAtStart, tally, source);
      return;
    }
    const holds = error.actual === undefined ? "does not exist" : `ends at revision ${error.actual}`;
    throw new CommandError(
      `${source} line ${batch.line}: stream ${batch.stream} ${holds}, which does not fit revisions ${batch.first}..${last} of the input (another history is stored under that name)`,
      { cause: error },
    );
  }
}

export function importCommand(program: Command): void {
  program
    .command("import")
    .description("append the events of an `annals export` file, keeping their ids and revisions; safe to re-run")
    .option("-i, --in <file>", "the NDJSON file; - or absent for stdin")
    .option("--batch-size <n>", "most events per append", "500")
    .option("--progress", "show a progress bar on stderr (default: when stderr is a terminal and the input a file)")
    .option("--no-progress", "never show a progress bar")
    .addHelpText(
      "after",
      `
Each stream's events are appended at their original revisions (an exact expected
revision), consecutive events of a stream together. Events keep their ids, so a run
that stopped half way can simply be run again: what is stored is recognised and
skipped, nothing is stored twice. Global positions are assigned anew, in file order.`,
    )
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ImportOptions>();
      const batchSize = Number(parseCount(options.batchSize ?? "500", "--batch-size"));
      if (batchSize < 1) throw new UsageError("--batch-size: must be at least 1");
      const input = openInput(options.in, "--in");
      const tally: Tally = { imported: 0, present: 0, streams: new Set() };
      await withClient(options.url, async (client) => {
        let headAtStart = 0n;
        for await (const last of client.readAll({ direction: "backwards", maxCount: 1 })) headAtStart = last.position;
        const progress = createProgress({ label: "importing", total: input.size, enabled: options.progress ?? (input.size !== undefined ? undefined : false) });
        const nextRevision = new Map<string, number>();
        let batch: Batch | undefined;
        let bytes = 0;
        let lineNumber = 0;
        let events = 0;
        const flush = async () => {
          if (!batch) return;
          const full = batch;
          batch = undefined;
          await appendBatch(client, full, headAtStart, tally, input.source);
          progress.update(bytes, events);
        };
        try {
          for await (const line of createInterface({ input: input.stream, crlfDelay: Infinity })) {
            lineNumber += 1;
            bytes += Buffer.byteLength(line) + 1;
            if (line.trim().length === 0) continue;
            const where = `${input.source} line ${lineNumber}`;
            const { stream, revision, event } = parseRecord(line, where);
            const expected = nextRevision.get(stream);
            if (expected !== undefined && revision !== expected) {
              throw new UsageError(`${where}: stream ${stream} goes from revision ${expected - 1} to ${revision}; an export holds every revision in order`);
            }
            nextRevision.set(stream, revision + 1);
            events += 1;
            const size = event.data.byteLength + 256;
            if (batch && (batch.stream !== stream || batch.events.length >= batchSize || batch.bytes + size > maxBatchBytes)) await flush();
            batch ??= { stream, first: revision, events: [], bytes: 0, line: lineNumber };
            batch.events.push(event);
            batch.bytes += size;
          }
          await flush();
        } finally {
          progress.stop();
        }
      });
      const present = tally.present > 0 ? ` (${tally.present} already present)` : "";
      process.stderr.write(`imported ${tally.imported} event${tally.imported === 1 ? "" : "s"} into ${tally.streams.size} stream${tally.streams.size === 1 ? "" : "s"}${present}\n`);
    });
}
