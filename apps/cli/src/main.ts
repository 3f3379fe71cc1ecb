import { CommanderError } from "commander";
import { describeError, exitCode, UsageError } from "./errors.js";
import { createProgram } from "./program.js";

/** Runs the command line; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the help, the version or the usage error already.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? exitCode.ok : exitCode.usage;
    }
    const url = program.opts<{ url?: string }>().url;
    process.stderr.write(`annals: ${describeError(error, url)}\n`);
    return error instanceof UsageError ? exitCode.usage : exitCode.failed;
  }
}

// A closed pipe (`annals read '$all' | head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(exitCode.ok);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
