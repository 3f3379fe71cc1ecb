import { UsageError } from "./errors.js";

/** A whole number ≥ 0 from the command line, as a bigint. */
export function parseCount(value: string, option: string): bigint {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${option}: "${value}" is not a whole number`);
  return BigInt(value.trim());
}

/** `any`, `no_stream`, `stream_exists` or a revision. */
export function parseExpectedRevision(value: string): "any" | "no_stream" | "stream_exists" | bigint {
  if (value === "any" || value === "no_stream" || value === "stream_exists") return value;
  if (/^\d+$/.test(value)) return BigInt(value);
  throw new UsageError(`--expected-revision: "${value}" is not any, no_stream, stream_exists or a revision`);
}
