import { Option, type Command } from "commander";
import { ConfigError, loadConfig, settings } from "@annals/server/config";
import { CommandError, UsageError } from "../errors.js";

type Setting = (typeof settings)[number];

/** A setting's meaning and the values it takes, for its flag in the options list. */
function describe(setting: Setting): string {
  const values =
    setting.kind === "integer"
      ? `${setting.min}..${setting.max}`
      : setting.kind === "boolean"
        ? "true|false"
        : setting.kind === "string"
          ? undefined
          : setting.kind.join("|");
  return `${setting.description}${values ? ` (${values})` : ""}`;
}

/** Every setting's flag, environment variable, config file key and default, as a text table. */
function settingsHelp(): string {
  const rows = [
    ["flag", "environment", "config file key", "default"],
    ...settings.map((setting) => [`--${setting.flag}`, setting.env, setting.key, String(setting.default)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ")}`.trimEnd());
  return `
Settings:
${lines.join("\n")}

--config <file> (or ANNALS_CONFIG) reads a JSON object of settings by config file key,
e.g. {"port": 50052, "db": "./data/annals.db"}. Flags win over environment variables,
which win over the config file, which wins over the defaults.`;
}

export function serveCommand(program: Command): void {
  const command = program
    .command("serve")
    .description("run the server: gRPC, gRPC-Web and Connect on one port, with health, reflection and /metrics")
    .option("--config <file>", "a JSON file of settings, by the config file keys below [env ANNALS_CONFIG]");
  // The server's own settings table, so that the server and the command never disagree.
  for (const setting of settings) command.addOption(new Option(`--${setting.flag} <value>`, describe(setting)));
  command
    .addHelpText("after", settingsHelp())
    .action(async (_options: unknown, self: Command) => {
      const given = self.opts<Record<string, string | undefined>>();
      const argv: string[] = [];
      if (given["config"] !== undefined) argv.push("--config", given["config"]);
      for (const option of self.options) {
        const value = given[option.attributeName()];
        if (value !== undefined && option.long !== "--config") argv.push(option.long!, value);
      }
      let config;
      try {
        config = loadConfig({ argv, env: process.env });
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(error.message);
        throw error;
      }
      // Loaded only now: the other commands do not pay for the server's modules.
      const { serve } = await import("@annals/server");
      try {
        await serve(config);
      } catch (error) {
        // A setting refused at start (an address beyond loopback without authentication): exit 2, like any bad setting.
        if (error instanceof ConfigError) throw new UsageError(error.message);
        throw new CommandError(`cannot start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    });
}
