import { createReadStream, readFileSync, statSync } from "node:fs";
import type { Readable } from "node:stream";
import { UsageError } from "./errors.js";

function unreadable(option: string, path: string, error: unknown): UsageError {
  return new UsageError(`${option}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
}

/** The whole of the file at `path`, or of stdin when `path` is absent or `-`. */
export async function readInput(path: string | undefined, option: string): Promise<{ text: string; source: string }> {
  if (path !== undefined && path !== "-") {
    try {
      return { text: readFileSync(path, "utf8"), source: path };
    } catch (error) {
      throw unreadable(option, path, error);
    }
  }
  const { stream, source } = openInput(undefined, option);
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return { text, source };
}

/**
 * A readable stream of the file at `path` (with its size), or of stdin when `path`
 * is absent or `-`. Stdin must not be a terminal: the input is meant to be piped.
 */
export function openInput(path: string | undefined, option: string): { stream: Readable; source: string; size: number | undefined } {
  if (path !== undefined && path !== "-") {
    let size: number;
    try {
      const stats = statSync(path);
      if (!stats.isFile()) throw Object.assign(new Error("not a file"), { code: "not a file" });
      size = stats.size;
    } catch (error) {
      throw unreadable(option, path, error);
    }
    return { stream: createReadStream(path, { encoding: "utf8" }), source: path, size };
  }
  if (process.stdin.isTTY) throw new UsageError(`give ${option} <file>, or pipe the input into stdin`);
  process.stdin.setEncoding("utf8");
  return { stream: process.stdin, source: "stdin", size: undefined };
}
