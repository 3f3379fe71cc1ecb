import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, settings } from "./config.js";
import { settingsTable, withSettingsTable } from "./settings-table.js";

describe("server settings", () => {
  it("reads the operability settings from flags and the environment", () => {
    const config = loadConfig({
      argv: ["--metrics", "false", "--health-probe-interval-ms", "250"],
      env: { ANNALS_LOG_FORMAT: "pretty", ANNALS_HEALTH_PROBE_TIMEOUT_MS: "100" },
    });
    expect(config).toMatchObject({ metrics: false, healthProbeIntervalMs: 250, healthProbeTimeoutMs: 100, logFormat: "pretty" });
    expect(loadConfig({ env: {} })).toMatchObject({ metrics: true, healthProbeIntervalMs: 5_000, healthProbeTimeoutMs: 2_000, logFormat: "auto" });
  });

  it("refuses bad values with one line naming the setting and its source", () => {
    expect(() => loadConfig({ argv: ["--metrics", "maybe"], env: {} })).toThrow(new ConfigError('metrics (from --metrics): "maybe" is not a boolean (true or false)'));
    expect(() => loadConfig({ env: { ANNALS_HEALTH_PROBE_INTERVAL_MS: "5" } })).toThrow(/healthProbeIntervalMs \(from ANNALS_HEALTH_PROBE_INTERVAL_MS\): 5 is outside/);
    expect(() => loadConfig({ env: { ANNALS_LOG_FORMAT: "xml" } })).toThrow(/not one of auto, json, pretty/);
  });

  it("lists every setting in the root README.md (regenerate: npx tsx apps/server/src/settings-table.ts)", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    expect(readme).toBe(withSettingsTable(readme));
    for (const setting of settings) expect(settingsTable()).toContain(`\`${setting.env}\``);
  });
});
