import { readFileSync } from "node:fs";

/** The server's version: its package's, read once (the same from `src/` and `dist/`). */
export const serverVersion: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
