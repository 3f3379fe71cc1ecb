import type { ServiceImpl } from "@connectrpc/connect";
import type { ReadStreamOptions, EventStore as Store } from "@annals/store";
import { GetEventsResponseSchema, ReadAllResponseSchema, ReadStreamPageResponseSchema, ReadStreamResponseSchema, type EventStore, type ReadStreamPageRequest, type ReadStreamRequest } from "@annals/protocol";
import { create, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, timestampFromMs, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { fromWireDirection, fromWireEvent, fromWireExpectedRevision, fromWireStreamMetadata, toSafeNumber, toWireStreamMetadata } from "../wire.js";
import { batchesOf, eventsMessage, isBinaryCall, responsePage } from "../event-batches.js";
import { endedBySignal } from "./call-ended.js";
import { subscribe } from "./subscribe.js";
import { decodePageToken, encodePageToken } from "../page-token.js";
import type { SubscriptionMetrics } from "../ops/metrics.js";
import { principalKey } from "../security/principal.js";
import { stampPrincipal } from "../security/stamp.js";

/** ListStreams, ListCheckpoints and ReadStreamPage: the page size when the request leaves it at 0, and the most they grant. */
const defaultPageSize = 100;
const maxPageSize = 1_000;

function pageSizeOf(requested: number): number {
  return Math.min(requested || defaultPageSize, maxPageSize);
}

export interface EventStoreServiceOptions {
  store: Store;
  /** What GetSchemas answers (`createSchemaSet`). Default: no file. */
  schemas?: FileDescriptorSet;
  /** Most payload bytes packed into one streamed response. Default 256 KiB. */
  maxBatchBytes?: number;
  /** Where subscriptions report that they open, close and how far behind they are. Default: nowhere. */
  metrics?: SubscriptionMetrics;
  /** Positions a Scavenge call examines per transaction when the request leaves it at 0. Default 1,000. */
  scavengeBatchSize?: number;
  /** Aborted when the server shuts down: subscriptions then end with UNAVAILABLE. */
  shutdownSignal?: AbortSignal;
}

/** Where and which way ReadStream and ReadStreamPage read (their requests share these fields). */
function readStreamOptions(request: ReadStreamRequest | ReadStreamPageRequest, maxCount: number): ReadStreamOptions {
  const from = request.from;
  return {
    direction: fromWireDirection(request.direction),
    from: from.case === "revision" ? toSafeNumber(from.value, "revision") : from.case,
    maxCount,
  };
}

/** annals.eventstore.v1.EventStore on top of the store. Errors are mapped by the router's interceptor. */
export function createEventStoreService(options: EventStoreServiceOptions): ServiceImpl<typeof EventStore> {
  const { store } = options;
  const maxBatchBytes = options.maxBatchBytes ?? 256 * 1024;
  const schemas = toBinary(FileDescriptorSetSchema, options.schemas ?? create(FileDescriptorSetSchema));

  return {
    async append(request, context) {
      const events = stampPrincipal(request.events.map(fromWireEvent), context.values.get(principalKey));
      const result = await store.appendToStream(request.stream, events, {
        expectedRevision: fromWireExpectedRevision(request.expectedRevision),
      });
      return { revision: BigInt(result.revision), position: BigInt(result.position), recordedAt: timestampFromMs(result.recordedAt) };
    },

    async *readStream(request, context) {
      const pages = store.readStream(request.stream, readStreamOptions(request, toSafeNumber(request.maxCount, "max_count")));
      const binary = isBinaryCall(context);
      for await (const page of pages) {
        if (context.signal.aborted) throw endedBySignal(context.signal);
        for (const batch of batchesOf(page, maxBatchBytes, binary)) yield batch.message(ReadStreamResponseSchema);
      }
    },

    async readStreamPage(request, context) {
      const count = pageSizeOf(toSafeNumber(request.maxCount, "max_count"));
      // One event past the page, to know whether another follows.
      const pages = store.readStream(request.stream, readStreamOptions(request, count + 1));
      const binary = isBinaryCall(context);
      // A page fits one message of the size every gRPC client receives (one event alone does, by the append limit).
      const page = await responsePage(pages, count, store.limits.maxAppendBytes, binary);
      const message = eventsMessage(ReadStreamPageResponseSchema, page.events, binary);
      if (page.next !== undefined) message.nextRevision = BigInt(page.next.revision);
      return message;
    },

    async *readAll(request, context) {
      const from = request.from;
      const pages = store.readAll({
        direction: fromWireDirection(request.direction),
        from: from.case === "position" ? toSafeNumber(from.value, "position") : from.case,
        maxCount: toSafeNumber(request.maxCount, "max_count"),
      });
      const binary = isBinaryCall(context);
      for await (const page of pages) {
        if (context.signal.aborted) throw endedBySignal(context.signal);
        for (const batch of batchesOf(page, maxBatchBytes, binary)) yield batch.message(ReadAllResponseSchema);
      }
    },

    subscribe(request, context) {
      return subscribe(request, context, { store, maxBatchBytes, shutdownSignal: options.shutdownSignal, metrics: options.metrics });
    },

    async setCheckpoint(request) {
      const expected = request.expectedPosition === undefined ? {} : { expectedPosition: toSafeNumber(request.expectedPosition, "expected_position") };
      await store.setCheckpoint(request.name, toSafeNumber(request.position, "position"), expected);
      return {};
    },

    async getEvents(request, context) {
      const events = await store.getEvents(request.ids);
      return eventsMessage(GetEventsResponseSchema, events, isBinaryCall(context));
    },

    async getCheckpoint(request) {
      const checkpoint = await store.getCheckpoint(request.name);
      if (!checkpoint) return { exists: false };
      return { exists: true, position: BigInt(checkpoint.position), updatedAt: timestampFromMs(checkpoint.updatedAt) };
    },

    async getStream(request) {
      const info = await store.getStream(request.stream);
      if (!info) return { exists: false };
      return {
        exists: true,
        lastRevision: BigInt(info.lastRevision),
        lastPosition: BigInt(info.lastPosition),
        eventCount: BigInt(info.eventCount ?? info.lastRevision + 1),
      };
    },

    async setStreamMetadata(request) {
      const expected = request.expectedMetadataRevision === undefined ? {} : { expectedMetadataRevision: toSafeNumber(request.expectedMetadataRevision, "expected_metadata_revision") };
      const record = await store.setStreamMetadata(request.stream, fromWireStreamMetadata(request.metadata), expected);
      return { metadataRevision: BigInt(record.metadataRevision) };
    },

    async getStreamMetadata(request) {
      const record = await store.getStreamMetadata(request.stream);
      return {
        metadataRevision: BigInt(record.metadataRevision),
        metadata: toWireStreamMetadata(record),
        deleted: record.deleted,
        tombstoned: record.tombstoned,
        updatedAt: record.updatedAt === 0 ? undefined : timestampFromMs(record.updatedAt),
      };
    },

    async deleteStream(request) {
      const { lastRevision } = await store.deleteStream(request.stream, { expectedRevision: fromWireExpectedRevision(request.expectedRevision), tombstone: request.tombstone });
      return { lastRevision: lastRevision < 0 ? undefined : BigInt(lastRevision) };
    },

    async tombstoneStream(request) {
      const { lastRevision } = await store.deleteStream(request.stream, { expectedRevision: fromWireExpectedRevision(request.expectedRevision), tombstone: true });
      return { lastRevision: lastRevision < 0 ? undefined : BigInt(lastRevision) };
    },

    async forgetSubject(request) {
      return { keyDestroyed: await store.forgetSubject(request.subject) };
    },

    async *scavenge(request, context) {
      const progress = store.scavenge({ batchSize: request.batchSize || options.scavengeBatchSize, reclaimSpace: request.reclaimSpace, signal: context.signal });
      for await (const step of progress) {
        yield { position: BigInt(step.position), headPosition: BigInt(step.headPosition), removed: BigInt(step.removed), done: step.done };
      }
    },

    async listStreams(request) {
      const pageSize = pageSizeOf(request.pageSize);
      const streams = await store.listStreams({ prefix: request.prefix, after: decodePageToken(request.pageToken), limit: pageSize });
      const last = streams[streams.length - 1];
      return {
        streams: streams.map((info) => ({
          stream: info.stream,
          lastRevision: BigInt(info.lastRevision),
          lastPosition: BigInt(info.lastPosition),
          eventCount: BigInt(info.eventCount ?? info.lastRevision + 1),
          lastRecordedAt: timestampFromMs(info.lastRecordedAt),
        })),
        nextPageToken: last && streams.length === pageSize ? encodePageToken(last.stream) : "",
      };
    },

    async listCheckpoints(request) {
      const pageSize = pageSizeOf(request.pageSize);
      const after = decodePageToken(request.pageToken);
      const [checkpoints, head] = await Promise.all([store.listCheckpoints({ prefix: request.prefix, after, limit: pageSize }), store.headPosition()]);
      const last = checkpoints[checkpoints.length - 1];
      return {
        checkpoints: checkpoints.map((checkpoint) => ({
          name: checkpoint.name,
          position: BigInt(checkpoint.position),
          updatedAt: timestampFromMs(checkpoint.updatedAt),
        })),
        nextPageToken: last && checkpoints.length === pageSize ? encodePageToken(last.name) : "",
        headPosition: BigInt(head),
      };
    },

    async getSchemas() {
      return { fileDescriptorSet: schemas };
    },
  };
}
