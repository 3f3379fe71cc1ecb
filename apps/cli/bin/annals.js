#!/usr/bin/env node
// In the repository, runs the TypeScript sources through tsx (no build step),
// with the workspace packages resolved to their sources too. Without sources
// (a built copy), runs the compiled dist/main.js.
import { existsSync } from "node:fs";
import { register } from "node:module";

const sources = new URL("../src/main.ts", import.meta.url);
if (existsSync(sources)) {
  const { register: registerTsx } = await import("tsx/esm/api");
  register("./source-conditions.js", import.meta.url);
  registerTsx();
  await import(sources.href);
} else {
  await import("../dist/main.js");
}
