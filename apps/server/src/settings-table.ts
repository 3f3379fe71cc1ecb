import { settings } from "./config.js";

type Setting = (typeof settings)[number];

/** What values a setting takes, e.g. `0..65535`, `true, false`, `FULL, NORMAL`. */
export function allowedValues(setting: Setting): string {
  if (setting.kind === "integer") return `${setting.min ?? ""}..${setting.max ?? ""}`;
  if (setting.kind === "boolean") return "true, false";
  if (setting.kind === "string") return "text";
  return setting.kind.join(", ");
}

/** Every server setting as a Markdown table (the root README.md holds its output). */
export function settingsTable(): string {
  const rows = settings.map(
    (setting) =>
      `| \`${setting.key}\` | \`--${setting.flag}\` | \`${setting.env}\` | ${setting.default === "" ? "none" : `\`${String(setting.default)}\``} | ${allowedValues(setting)} | ${setting.description} |`,
  );
  return ["| setting (config file key) | flag | environment | default | values | meaning |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}

const start = "<!-- settings:start -->";
const end = "<!-- settings:end -->";

/** `readme` with the text between the settings markers replaced by the current table. */
export function withSettingsTable(readme: string): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the README lacks the ${start} … ${end} markers`);
  return `${readme.slice(0, from + start.length)}\n${settingsTable()}\n${readme.slice(to)}`;
}

// `npx tsx apps/server/src/settings-table.ts` rewrites the table in the root README.md.
const isEntry = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const readme = new URL("../../../README.md", import.meta.url);
  writeFileSync(readme, withSettingsTable(readFileSync(readme, "utf8")));
}
