import { Command, Option } from "commander";
import { defaultUrl, serverAddress } from "./client.js";
import { appendCommand } from "./commands/append.js";
import { exportCommand } from "./commands/export.js";
import { importCommand } from "./commands/import.js";
import { lifecycleCommands } from "./commands/lifecycle.js";
import { readCommand } from "./commands/read.js";
import { serveCommand } from "./commands/serve.js";
import { streamsCommand } from "./commands/streams.js";
import { tailCommand } from "./commands/tail.js";

/** Options every command accepts. */
export interface GlobalOptions {
  /** The server, e.g. `http://127.0.0.1:50051`. */
  url: string;
  /** A bearer token (API key or JWT) sent on every call. */
  token?: string;
  /** Certificate authorities (PEM file) to trust for an https:// server. */
  ca?: string;
}

/** The `annals` command and its subcommands. Usage errors throw (`exitOverride`) rather than exit. */
export function createProgram(): Command {
  const program = new Command("annals")
    .description("Annals, an event store served over gRPC: run it, and drive it from a terminal")
    .version("0.1.0")
    .exitOverride()
    // One line, like every other error: "annals: unknown option '--x'".
    .configureOutput({ outputError: (message, write) => write(`annals: ${message.replace(/^error: /, "")}`) })
    .addOption(new Option("--url <url>", "the server's address").env("ANNALS_URL").default(defaultUrl))
    .addOption(new Option("--token <token>", "a bearer token (API key or JWT) for a server that requires one").env("ANNALS_TOKEN"))
    .addOption(new Option("--ca <file>", "certificate authorities (PEM) to trust for an https:// server").env("ANNALS_CA"));
  // Every command that calls the server checks the address's shape before it starts.
  program.hook("preAction", (_program, action) => {
    if (action.name() === "serve") return;
    const source = program.getOptionValueSource("url") === "env" ? "ANNALS_URL" : "--url";
    program.setOptionValueWithSource("url", serverAddress(program.opts<GlobalOptions>().url, source), program.getOptionValueSource("url"));
  });
  serveCommand(program);
  appendCommand(program);
  readCommand(program);
  tailCommand(program);
  streamsCommand(program);
  exportCommand(program);
  importCommand(program);
  lifecycleCommands(program);
  program.addHelpText(
    "after",
    `
Exit codes: 0 done, 1 the call or the work failed, 2 the command line or its input is wrong.
Run \`annals <command> --help\` for a command's options.`,
  );
  return program;
}
