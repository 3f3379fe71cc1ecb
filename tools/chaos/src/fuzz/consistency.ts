import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { EventStore, type RecordedEvent } from "@annals/protocol";
import type { Acknowledged } from "./run.js";

export interface ConsistencyReport {
  streams: number;
  events: number;
  /** What disagrees; empty when GetStream, ReadStream and ReadAll tell one story. */
  problems: string[];
}

/**
 * After a fuzz run, three views of the store must agree. For every stream (the
 * ones ListStreams names and the ones appends were acknowledged on): GetStream's
 * head and count, what ReadStream returns (revisions 0..n-1 in order), and the
 * stream's events in ReadAll. ReadAll's positions strictly increase, no event id
 * comes twice, and every acknowledged append is where its answer said. A stream
 * the run deleted, tombstoned or gave retention metadata keeps to the rules reads
 * promise for it: a tombstoned one is gone from every view; otherwise ReadStream and
 * ReadAll hold the same remaining events, in rising revisions, and GetStream counts them.
 */
/** A name as the store holds it: a lone surrogate becomes U+FFFD on the way (UTF-8 cannot carry it). */
function wireForm(name: string): string {
  return new TextDecoder().decode(new TextEncoder().encode(name));
}

export async function checkConsistency(baseUrl: string, acknowledged: readonly Acknowledged[]): Promise<ConsistencyReport> {
  const client = createClient(EventStore, createGrpcTransport({ baseUrl, readMaxBytes: 64 * 1024 * 1024 }));
  const problems: string[] = [];
  const all: RecordedEvent[] = [];
  for await (const response of client.readAll({ from: { case: "start", value: {} } })) all.push(...response.events);
  const byStream = new Map<string, RecordedEvent[]>();
  const ids = new Set<string>();
  let previous = 0n;
  for (const event of all) {
    if (event.position <= previous) problems.push(`ReadAll: position ${event.position} after ${previous}`);
    previous = event.position;
    if (ids.has(event.id)) problems.push(`ReadAll: event id ${event.id} twice`);
    ids.add(event.id);
    byStream.set(event.stream, [...(byStream.get(event.stream) ?? []), event]);
  }
  const streams = new Set<string>([...byStream.keys(), ...acknowledged.map((ack) => wireForm(ack.stream))]);
  for (let pageToken = ""; ; ) {
    const page = await client.listStreams({ pageSize: 1_000, pageToken });
    for (const summary of page.streams) streams.add(summary.stream);
    if (!page.nextPageToken) break;
    pageToken = page.nextPageToken;
  }
  const notFound = async <T>(call: () => Promise<T>): Promise<T | "not found"> => {
    try {
      return await call();
    } catch (error) {
      if (ConnectError.from(error).code === Code.NotFound) return "not found";
      throw error;
    }
  };
  const shaped = new Set<string>();
  for (const stream of streams) {
    const name = JSON.stringify(stream);
    const lifecycle = await client.getStreamMetadata({ stream });
    if (lifecycle.tombstoned) {
      shaped.add(stream);
      const info = await notFound(() => client.getStream({ stream }));
      const read = await notFound(async () => {
        for await (const response of client.readStream({ stream, from: { case: "start", value: {} } })) void response;
      });
      const inAll = byStream.get(stream)?.length ?? 0;
      if (info !== "not found" || read !== "not found" || inAll > 0) problems.push(`${name}: tombstoned, yet GetStream ${info === "not found" ? "NOT_FOUND" : "answers"}, ReadStream ${read === "not found" ? "NOT_FOUND" : "answers"}, ReadAll holds ${inAll}`);
      continue;
    }
    if (lifecycle.updatedAt !== undefined || lifecycle.metadataRevision > 0n) {
      shaped.add(stream);
      const info = await client.getStream({ stream });
      const read: RecordedEvent[] = [];
      for await (const response of client.readStream({ stream, from: { case: "start", value: {} } })) read.push(...response.events);
      const inAll = byStream.get(stream) ?? [];
      const key = (events: RecordedEvent[]) => events.map((event) => `${event.id}@${event.revision}/${event.position}`).join(",");
      // With a max age, events expire from the front while the views are read (ReadAll first, GetStream, then ReadStream).
      const expiring = lifecycle.metadata?.maxAgeSeconds !== undefined;
      const tail = inAll.slice(inAll.length - read.length);
      if (expiring ? read.length > inAll.length || key(read) !== key(tail) : key(read) !== key(inAll)) problems.push(`${name}: ReadStream holds ${read.length} events, ReadAll ${inAll.length}, and they differ`);
      read.forEach((event, index) => {
        if (index > 0 && event.revision <= read[index - 1]!.revision) problems.push(`${name}: ReadStream's revisions do not rise at ${index}`);
      });
      if (info.exists && (expiring ? info.eventCount < BigInt(read.length) : info.eventCount !== BigInt(read.length))) problems.push(`${name}: GetStream counts ${info.eventCount} of what remains, ReadStream returns ${read.length}`);
      if (!info.exists && read.length > 0) problems.push(`${name}: GetStream says it does not exist, ReadStream has ${read.length} events`);
      continue;
    }
    const info = await client.getStream({ stream });
    const read: RecordedEvent[] = [];
    for await (const response of client.readStream({ stream, from: { case: "start", value: {} } })) read.push(...response.events);
    const inAll = byStream.get(stream) ?? [];
    if (!info.exists) {
      if (read.length > 0 || inAll.length > 0) problems.push(`${name}: GetStream says it does not exist, ReadStream has ${read.length} events, ReadAll ${inAll.length}`);
      continue;
    }
    if (info.eventCount !== BigInt(read.length) || read.length !== inAll.length) problems.push(`${name}: GetStream counts ${info.eventCount}, ReadStream returns ${read.length}, ReadAll holds ${inAll.length}`);
    const last = read[read.length - 1];
    if (last && (info.lastRevision !== last.revision || info.lastPosition !== last.position)) {
      problems.push(`${name}: GetStream's head is revision ${info.lastRevision} position ${info.lastPosition}, ReadStream ends at ${last.revision} / ${last.position}`);
    }
    read.forEach((event, index) => {
      if (event.revision !== BigInt(index)) problems.push(`${name}: ReadStream's event ${index} has revision ${event.revision}`);
      const twin = inAll[index];
      if (twin && (twin.id !== event.id || twin.position !== event.position || twin.revision !== event.revision)) problems.push(`${name}: revision ${index} is ${event.id}@${event.position} in ReadStream, ${twin.id}@${twin.position} in ReadAll`);
    });
  }
  for (const ack of acknowledged) {
    // What retention, deletes or tombstones hid is not where the answer said any more.
    if (shaped.has(wireForm(ack.stream))) continue;
    const events = byStream.get(wireForm(ack.stream)) ?? [];
    const lastOfAppend = events.find((event) => event.revision === ack.revision);
    if (!lastOfAppend || lastOfAppend.position !== ack.position) problems.push(`append to ${JSON.stringify(ack.stream)} acknowledged at revision ${ack.revision} position ${ack.position}; the stream holds ${lastOfAppend ? `position ${lastOfAppend.position}` : "nothing"} there`);
  }
  return { streams: streams.size, events: all.length, problems };
}
