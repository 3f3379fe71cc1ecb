export {
  ExpectedRevisionSchema,
  Direction,
  ProposedEventSchema,
  RecordedEventSchema,
  type ExpectedRevision,
  type ProposedEvent,
  type RecordedEvent,
} from "./gen/annals/eventstore/v1/event_pb.js";
export {
  InvalidFieldSchema,
  WrongExpectedRevisionSchema,
  type InvalidField,
  type WrongExpectedRevision,
} from "./gen/annals/eventstore/v1/errors_pb.js";
export {
  EventStore,
  AppendRequestSchema,
  AppendResponseSchema,
  ReadStreamRequestSchema,
  ReadStreamResponseSchema,
  ReadAllRequestSchema,
  ReadAllResponseSchema,
  GetStreamRequestSchema,
  GetStreamResponseSchema,
  type AppendRequest,
  type AppendResponse,
  type ReadStreamRequest,
  type ReadStreamResponse,
  type ReadAllRequest,
  type ReadAllResponse,
  type GetStreamRequest,
  type GetStreamResponse,
} from "./gen/annals/eventstore/v1/event_store_pb.js";
