import type { Command } from "commander";
import type { StreamMetadata } from "@annals/sdk";
import { withClient } from "../client.js";
import { UsageError } from "../errors.js";
import { write } from "../output.js";
import { parseCount, parseExpectedRevision } from "../parse.js";
import type { GlobalOptions } from "../program.js";

interface MetadataOptions extends GlobalOptions {
  maxCount?: string;
  maxAge?: string;
  truncateBefore?: string;
  set?: string[];
  expectedMetadataRevision?: string;
}

/** A whole number as the server takes it: negative values reach it, which refuses them with the field's name. */
function parseSigned(value: string, option: string): bigint {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${option}: "${value}" is not a whole number`);
  return BigInt(value);
}

const json = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? Number(item) : item));

/** `annals metadata <stream>`: shows a stream's metadata, or sets it when any setting is given. */
function metadataCommand(program: Command): void {
  program
    .command("metadata <stream>")
    .description("show a stream's metadata and state, or set its retention (replacing what was set)")
    .option("--max-count <n>", "keep only the last n events")
    .option("--max-age <seconds>", "keep only events younger than this")
    .option("--truncate-before <revision>", "hide every event before this revision")
    .option("--set <key=value...>", "custom entries")
    .option("--expected-metadata-revision <n>", "set only if the metadata is at this revision now (0: never set)")
    .addHelpText(
      "after",
      `
Examples:
  annals metadata orders-1 --max-count 1000 --max-age 2592000
  annals metadata orders-1`,
    )
    .action(async (stream: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<MetadataOptions>();
      const setting = options.maxCount !== undefined || options.maxAge !== undefined || options.truncateBefore !== undefined || options.set !== undefined;
      await withClient(options, async (client) => {
        if (setting) {
          const metadata: StreamMetadata = { custom: {} };
          if (options.maxCount !== undefined) metadata.maxCount = parseSigned(options.maxCount, "--max-count");
          if (options.maxAge !== undefined) metadata.maxAgeSeconds = parseSigned(options.maxAge, "--max-age");
          if (options.truncateBefore !== undefined) metadata.truncateBefore = parseSigned(options.truncateBefore, "--truncate-before");
          for (const entry of options.set ?? []) {
            const equals = entry.indexOf("=");
            if (equals <= 0) throw new UsageError(`--set: "${entry}" is not key=value`);
            metadata.custom![entry.slice(0, equals)] = entry.slice(equals + 1);
          }
          const expected = options.expectedMetadataRevision === undefined ? {} : { expectedMetadataRevision: parseCount(options.expectedMetadataRevision, "--expected-metadata-revision") };
          await client.setStreamMetadata(stream, metadata, expected);
        }
        await write(process.stdout, `${json({ stream, ...(await client.getStreamMetadata(stream)) })}\n`);
      });
    });
}

interface DeleteOptions extends GlobalOptions {
  expectedRevision?: string;
  tombstone?: boolean;
}

/** `annals delete <stream>`: soft delete, or tombstone. */
function deleteCommand(program: Command): void {
  program
    .command("delete <stream>")
    .description("delete a stream (appending again recreates it, its revisions continuing), or --tombstone it for ever")
    .option("-e, --expected-revision <revision>", "any (default), stream_exists, or the stream's last revision")
    .option("--tombstone", "the name can never be used again")
    .action(async (stream: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<DeleteOptions>();
      const expectedRevision = parseExpectedRevision(options.expectedRevision ?? "any");
      await withClient(options, async (client) => {
        const lastRevision = await client.deleteStream(stream, { expectedRevision, tombstone: options.tombstone === true });
        await write(process.stdout, `${json({ stream, tombstoned: options.tombstone === true, lastRevision })}\n`);
      });
    });
}

/** `annals forget <subject>`: crypto-shredding of one data subject. */
function forgetCommand(program: Command): void {
  program
    .command("forget <subject>")
    .description('destroy a data subject\'s key: every event whose metadata names it ("$data_subject") reads back erased')
    .action(async (subject: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await withClient(options, async (client) => {
        const keyDestroyed = await client.forgetSubject(subject);
        await write(process.stdout, `${json({ subject, keyDestroyed })}\n`);
      });
    });
}

interface ScavengeOptions extends GlobalOptions {
  batchSize?: string;
  reclaimSpace?: boolean;
}

/** `annals scavenge`: runs a pass now, printing its progress. */
function scavengeCommand(program: Command): void {
  program
    .command("scavenge")
    .description("remove now what stream metadata, deletes and tombstones hide, printing the progress (one JSON line per batch)")
    .option("--batch-size <n>", "positions per transaction (default: the server's setting)")
    .option("--reclaim-space", "then give the space back to the file system (SQLite: VACUUM, which holds up appends while it runs)")
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ScavengeOptions>();
      const batchSize = options.batchSize === undefined ? undefined : Number(parseCount(options.batchSize, "--batch-size"));
      await withClient(options, async (client) => {
        for await (const step of client.scavenge({ batchSize, reclaimSpace: options.reclaimSpace === true })) await write(process.stdout, `${json(step)}\n`);
      });
    });
}

/** The stream lifecycle commands: metadata, delete, forget, scavenge. */
export function lifecycleCommands(program: Command): void {
  metadataCommand(program);
  deleteCommand(program);
  forgetCommand(program);
  scavengeCommand(program);
}
