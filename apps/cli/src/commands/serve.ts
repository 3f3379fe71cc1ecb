import { Option, type Command } from "commander";
import { ConfigError, loadConfig, settings } from "@annals/server/config";
import { UsageError } from "../errors.js";

type Setting = (typeof settings)[number];

function describe(setting: Setting): string {
  const values =
    setting.kind === "integer"
      ? `${setting.min}..${setting.max}`
      : setting.kind === "boolean"
        ? "true|false"
        : setting.kind === "string"
          ? undefined
          : setting.kind.join("|");
  return `${setting.description}${values ? ` (${values})` : ""} [env ${setting.env}, default ${String(setting.default)}]`;
}

export function serveCommand(program: Command): void {
  const command = program
    .command("serve")
    .description("run the server: gRPC, gRPC-Web and Connect on one port, with health, reflection and /metrics")
    .option("--config <file>", "JSON file of settings, keys as in apps/server/README.md [env ANNALS_CONFIG]");
  // The server's own settings table, so that the server and the command never disagree.
  for (const setting of settings) command.addOption(new Option(`--${setting.flag} <value>`, describe(setting)));
  command
    .addHelpText("after", "\nFlags win over environment variables, which win over the config file, which wins over the defaults.")
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
      await serve(config);
    });
}
