import type { ServiceImpl } from "@connectrpc/connect";
import type { EventStore as Store } from "@annals/store";
import type { EventStore } from "@annals/protocol";
import { batchesOf, fromWireDirection, fromWireEvent, fromWireExpectedRevision, toSafeNumber, toWireEvent } from "../wire.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

/** ListStreams page size when the request leaves it at 0, and the most it grants. */
const defaultStreamsPageSize = 100;
const maxStreamsPageSize = 1_000;

export interface EventStoreServiceOptions {
  store: Store;
  /** Most payload bytes packed into one streamed response. Default 256 KiB. */
  maxBatchBytes?: number;
}

/** annals.eventstore.v1.EventStore on top of the store. Errors are mapped by the router's interceptor. */
export function createEventStoreService(options: EventStoreServiceOptions): ServiceImpl<typeof EventStore> {
  const { store } = options;
  const maxBatchBytes = options.maxBatchBytes ?? 256 * 1024;

  return {
    async append(request) {
      const result = await store.appendToStream(request.stream, request.events.map(fromWireEvent), {
        expectedRevision: fromWireExpectedRevision(request.expectedRevision),
      });
      return { revision: BigInt(result.revision), position: BigInt(result.position) };
    },

    async *readStream(request, context) {
      const from = request.from;
      const pages = store.readStream(request.stream, {
        direction: fromWireDirection(request.direction),
        from: from.case === "revision" ? toSafeNumber(from.value, "revision") : from.case,
        maxCount: toSafeNumber(request.maxCount, "max_count"),
      });
      for await (const page of pages) {
        if (context.signal.aborted) return;
        for (const batch of batchesOf(page, maxBatchBytes)) yield { events: batch.map(toWireEvent) };
      }
    },

    async *readAll(request, context) {
      const from = request.from;
      const pages = store.readAll({
        direction: fromWireDirection(request.direction),
        from: from.case === "position" ? toSafeNumber(from.value, "position") : from.case,
        maxCount: toSafeNumber(request.maxCount, "max_count"),
      });
      for await (const page of pages) {
        if (context.signal.aborted) return;
        for (const batch of batchesOf(page, maxBatchBytes)) yield { events: batch.map(toWireEvent) };
      }
    },

    async getStream(request) {
      const info = await store.getStream(request.stream);
      if (!info) return { exists: false };
      return {
        exists: true,
        lastRevision: BigInt(info.lastRevision),
        lastPosition: BigInt(info.lastPosition),
        eventCount: BigInt(info.lastRevision + 1),
      };
    },

    async listStreams(request) {
      const pageSize = Math.min(request.pageSize || defaultStreamsPageSize, maxStreamsPageSize);
      const streams = await store.listStreams({ prefix: request.prefix, after: decodePageToken(request.pageToken), limit: pageSize });
      const last = streams[streams.length - 1];
      return {
        streams: streams.map((info) => ({
          stream: info.stream,
          lastRevision: BigInt(info.lastRevision),
          lastPosition: BigInt(info.lastPosition),
          eventCount: BigInt(info.lastRevision + 1),
        })),
        nextPageToken: last && streams.length === pageSize ? encodePageToken(last.stream) : "",
      };
    },
  };
}
