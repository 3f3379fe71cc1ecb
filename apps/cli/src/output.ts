import { once } from "node:events";
import type { Writable } from "node:stream";

/** Writes `text`, waiting when the destination is full (a slow pipe, a file). */
export async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, "drain");
}

/**
 * A text table written as rows arrive. Column widths come from the first `sample`
 * rows (and the headers); later, wider cells push their line out rather than
 * holding everything in memory.
 */
export function createTable(out: Writable, headers: readonly string[], options: { sample?: number; minWidths?: readonly number[] } = {}) {
  const sample = options.sample ?? 100;
  let pending: string[][] | undefined = [];
  let widths: number[] = [];
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join("  ")
      .trimEnd() + "\n";
  const flush = async () => {
    if (!pending) return;
    const rows = pending;
    pending = undefined;
    widths = headers.map((header, index) => Math.max(header.length, options.minWidths?.[index] ?? 0, ...rows.map((row) => row[index]?.length ?? 0)));
    await write(out, line(headers));
    for (const row of rows) await write(out, line(row));
  };
  return {
    async row(cells: readonly string[]) {
      if (pending) {
        pending.push([...cells]);
        if (pending.length >= sample) await flush();
        return;
      }
      await write(out, line(cells));
    },
    /** Writes what is still held back; the headers alone when there were no rows. */
    end: flush,
  };
}

/** Shortens `text` to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
