import { fromBinary, toJson, type Registry } from "@bufbuild/protobuf";

/** An event's payload as the console shows it. */
export interface Payload {
  /** How it was read: JSON as stored, protobuf decoded with the server's schemas, or raw bytes. */
  kind: "json" | "protobuf" | "hex" | "empty";
  /** Formatted for reading: indented JSON, or a hex dump. */
  text: string;
  /** One line, for lists. */
  summary: string;
  /** Why it is shown as it is, when that is worth saying. */
  note?: string;
}

/** Bytes shown in a hex dump; the rest is counted, not shown. */
const hexLimit = 1_024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Formats a payload: `application/json` parsed and indented; protobuf decoded
 * through `registry` (the server's schemas) when it knows the type, then shown as
 * its JSON form; anything else (or anything that fails to decode) as hex.
 */
export function renderPayload(event: { type: string; contentType: string; data: Uint8Array }, registry: Registry | undefined): Payload {
  if (event.data.byteLength === 0) return { kind: "empty", text: "(no data)", summary: "(no data)" };
  if (event.contentType === "application/json") {
    try {
      const value: unknown = JSON.parse(utf8.decode(event.data));
      return { kind: "json", text: JSON.stringify(value, null, 2), summary: summarize(JSON.stringify(value)) };
    } catch (error) {
      return hex(event.data, `not valid JSON: ${(error as Error).message}`);
    }
  }
  const schema = registry?.getMessage(event.type);
  if (!schema) return hex(event.data, registry ? `the server knows no message ${event.type}` : "the server's schemas are not loaded");
  try {
    const value = toJson(schema, fromBinary(schema, event.data), { registry });
    return { kind: "protobuf", text: JSON.stringify(value, null, 2), summary: summarize(JSON.stringify(value)) };
  } catch (error) {
    return hex(event.data, `does not decode as ${event.type}: ${(error as Error).message}`);
  }
}

function summarize(text: string): string {
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** `00000000  0a 03 41 43 43  |..ACC|`, 16 bytes a line. */
export function hexDump(data: Uint8Array, limit = hexLimit): string {
  const lines: string[] = [];
  const shown = Math.min(data.byteLength, limit);
  for (let offset = 0; offset < shown; offset += 16) {
    const row = data.subarray(offset, Math.min(offset + 16, shown));
    const bytes = [...row].map((byte) => byte.toString(16).padStart(2, "0")).join(" ");
    const text = [...row].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".")).join("");
    lines.push(`${offset.toString(16).padStart(8, "0")}  ${bytes.padEnd(47)}  |${text}|`);
  }
  if (data.byteLength > shown) lines.push(`… ${data.byteLength - shown} more bytes`);
  return lines.join("\n");
}

function hex(data: Uint8Array, note: string): Payload {
  const head = [...data.subarray(0, 24)].map((byte) => byte.toString(16).padStart(2, "0")).join(" ");
  return { kind: "hex", text: hexDump(data), summary: `${data.byteLength} bytes: ${head}${data.byteLength > 24 ? " …" : ""}`, note };
}
