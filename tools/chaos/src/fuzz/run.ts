import { fromBinary, fromJsonString, type DescService } from "@bufbuild/protobuf";
import { AppendResponseSchema } from "@annals/protocol";
import { figures, type LatencyFigures } from "../harness/bystander.js";
import { createRandom } from "./random.js";
import { drawRequest, type FuzzRequest } from "./requests.js";
import { createWireClient, transportNames, type TransportName, type WireClient, type WireOutcome } from "./wire.js";

export interface FuzzOptions {
  port: number;
  service: DescService;
  seed: number;
  requests: number;
  /** Requests in flight at once. Default 48. */
  concurrency?: number;
  /** An answer later than this is a hang, ms. Default 20,000 (a 700 KB JSON append on a loaded 2-core machine took over 10 s, 0.5 s alone). */
  deadlineMs?: number;
  /** Stops early (e.g. when the server process exits). */
  stopped?: () => boolean;
}

/** A request whose answer is a finding: its index reproduces it (`ANNALS_FUZZ_SEED`, the same count). */
export interface Finding {
  index: number;
  transport: TransportName;
  method: string;
  code: string;
  detail?: string;
  mutations: string[];
  headers: Record<string, string>;
  /** The body, hex, cut at 512 bytes. */
  body: string;
}

/** An append the server acknowledged, as it said: the stream must hold the event there. */
export interface Acknowledged {
  stream: string;
  events: number;
  revision: bigint;
  position: bigint;
}

export interface FuzzResult {
  requests: number;
  byTransport: Record<string, number>;
  byMethod: Record<string, number>;
  codes: Record<string, number>;
  latency: LatencyFigures;
  findings: Finding[];
  /** Answers that carried no status although HTTP said 200 (the first 10), to look at; not failures by themselves. */
  oddities: Finding[];
  acknowledged: Acknowledged[];
  elapsedMs: number;
}

/** The answers that mean a server bug, whatever was sent. */
export function isFinding(outcome: WireOutcome): boolean {
  if (outcome.code === "INTERNAL" || outcome.code === "UNKNOWN" || outcome.code === "HANG") return true;
  // An HTTP 5xx without a gRPC or Connect status; a stream reset with an error instead of an answer.
  if (outcome.code.startsWith("HTTP_5")) return true;
  return outcome.code === "CONNECTION";
}

/** The random source of request `index` of a run: each request is drawn from its own, so any one is reproduced alone. */
export function requestRandom(seed: number, index: number) {
  return createRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}

export function drawFuzzRequest(service: DescService, seed: number, index: number): FuzzRequest {
  const random = requestRandom(seed, index);
  const method = random.pick(service.methods);
  const transport = random.pick(transportNames);
  return drawRequest(method, transport, random);
}

function acknowledgement(request: FuzzRequest, outcome: WireOutcome): Acknowledged | undefined {
  if (request.method.name !== "Append" || outcome.code !== "OK" || !request.intact || !outcome.message) return undefined;
  const sent = request.intact as unknown as { stream: string; events: unknown[] };
  try {
    const answer = request.transport.startsWith("connect-json")
      ? fromJsonString(AppendResponseSchema, Buffer.from(outcome.message).toString("utf8"))
      : fromBinary(AppendResponseSchema, outcome.message);
    return { stream: sent.stream, events: sent.events.length, revision: answer.revision, position: answer.position };
  } catch {
    return undefined;
  }
}

/** Sends `requests` drawn requests, `concurrency` at a time, and tallies what came back. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const { port, service, seed, requests } = options;
  const concurrency = options.concurrency ?? 48;
  const deadlineMs = options.deadlineMs ?? 20_000;
  const clients = new Map<TransportName, WireClient>(transportNames.map((name) => [name, createWireClient(name, port)]));
  const byTransport: Record<string, number> = {};
  const byMethod: Record<string, number> = {};
  const codes: Record<string, number> = {};
  const latencies: number[] = [];
  const findings: Finding[] = [];
  const oddities: Finding[] = [];
  const acknowledged: Acknowledged[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < requests && !(options.stopped?.() ?? false)) {
      const index = next++;
      const request = drawFuzzRequest(service, seed, index);
      const outcome = await clients.get(request.transport)!.send(request.wire, request.streaming, deadlineMs);
      byTransport[request.transport] = (byTransport[request.transport] ?? 0) + 1;
      byMethod[request.method.name] = (byMethod[request.method.name] ?? 0) + 1;
      codes[outcome.code] = (codes[outcome.code] ?? 0) + 1;
      latencies.push(outcome.ms);
      const acked = acknowledgement(request, outcome);
      if (acked) acknowledged.push(acked);
      const odd = outcome.code.startsWith("HTTP_200") && oddities.length < 10;
      if (isFinding(outcome) || odd) {
        (odd ? oddities : findings).push({
          index,
          transport: request.transport,
          method: request.method.name,
          code: outcome.code,
          ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
          mutations: request.mutations,
          headers: request.wire.headers,
          body: Buffer.from(request.wire.body.subarray(0, 512)).toString("hex"),
        });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    for (const client of clients.values()) client.close();
  }
  return { requests: latencies.length, byTransport, byMethod, codes, latency: figures(latencies), findings, oddities, acknowledged, elapsedMs: Math.round(performance.now() - started) };
}
