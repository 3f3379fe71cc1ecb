from annals.eventstore.v1 import event_pb2 as _event_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AppendRequest(_message.Message):
    __slots__ = ["events", "expected_revision", "stream"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.ProposedEvent]
    expected_revision: _event_pb2.ExpectedRevision
    stream: str
    def __init__(self, stream: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_event_pb2.ProposedEvent, _Mapping]]] = ..., expected_revision: _Optional[_Union[_event_pb2.ExpectedRevision, _Mapping]] = ...) -> None: ...

class AppendResponse(_message.Message):
    __slots__ = ["position", "recorded_at", "revision"]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    position: int
    recorded_at: _timestamp_pb2.Timestamp
    revision: int
    def __init__(self, revision: _Optional[int] = ..., position: _Optional[int] = ..., recorded_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CheckpointSummary(_message.Message):
    __slots__ = ["name", "position", "updated_at"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    position: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., position: _Optional[int] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteStreamRequest(_message.Message):
    __slots__ = ["expected_revision", "stream", "tombstone"]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TOMBSTONE_FIELD_NUMBER: _ClassVar[int]
    expected_revision: _event_pb2.ExpectedRevision
    stream: str
    tombstone: bool
    def __init__(self, stream: _Optional[str] = ..., expected_revision: _Optional[_Union[_event_pb2.ExpectedRevision, _Mapping]] = ..., tombstone: bool = ...) -> None: ...

class DeleteStreamResponse(_message.Message):
    __slots__ = ["last_revision"]
    LAST_REVISION_FIELD_NUMBER: _ClassVar[int]
    last_revision: int
    def __init__(self, last_revision: _Optional[int] = ...) -> None: ...

class ForgetSubjectRequest(_message.Message):
    __slots__ = ["subject"]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: str
    def __init__(self, subject: _Optional[str] = ...) -> None: ...

class ForgetSubjectResponse(_message.Message):
    __slots__ = ["key_destroyed"]
    KEY_DESTROYED_FIELD_NUMBER: _ClassVar[int]
    key_destroyed: bool
    def __init__(self, key_destroyed: bool = ...) -> None: ...

class GetCheckpointRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCheckpointResponse(_message.Message):
    __slots__ = ["exists", "position", "updated_at"]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    position: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, exists: bool = ..., position: _Optional[int] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetEventsRequest(_message.Message):
    __slots__ = ["ids"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetEventsResponse(_message.Message):
    __slots__ = ["events"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ...) -> None: ...

class GetSchemasRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetSchemasResponse(_message.Message):
    __slots__ = ["file_descriptor_set"]
    FILE_DESCRIPTOR_SET_FIELD_NUMBER: _ClassVar[int]
    file_descriptor_set: bytes
    def __init__(self, file_descriptor_set: _Optional[bytes] = ...) -> None: ...

class GetStreamMetadataRequest(_message.Message):
    __slots__ = ["stream"]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: str
    def __init__(self, stream: _Optional[str] = ...) -> None: ...

class GetStreamMetadataResponse(_message.Message):
    __slots__ = ["deleted", "metadata", "metadata_revision", "tombstoned", "updated_at"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_REVISION_FIELD_NUMBER: _ClassVar[int]
    TOMBSTONED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    metadata: StreamMetadata
    metadata_revision: int
    tombstoned: bool
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata_revision: _Optional[int] = ..., metadata: _Optional[_Union[StreamMetadata, _Mapping]] = ..., deleted: bool = ..., tombstoned: bool = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetStreamRequest(_message.Message):
    __slots__ = ["stream"]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: str
    def __init__(self, stream: _Optional[str] = ...) -> None: ...

class GetStreamResponse(_message.Message):
    __slots__ = ["event_count", "exists", "last_position", "last_revision"]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    LAST_REVISION_FIELD_NUMBER: _ClassVar[int]
    event_count: int
    exists: bool
    last_position: int
    last_revision: int
    def __init__(self, exists: bool = ..., last_revision: _Optional[int] = ..., last_position: _Optional[int] = ..., event_count: _Optional[int] = ...) -> None: ...

class ListCheckpointsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "prefix"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    prefix: str
    def __init__(self, prefix: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCheckpointsResponse(_message.Message):
    __slots__ = ["checkpoints", "head_position", "next_page_token"]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    HEAD_POSITION_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    checkpoints: _containers.RepeatedCompositeFieldContainer[CheckpointSummary]
    head_position: int
    next_page_token: str
    def __init__(self, checkpoints: _Optional[_Iterable[_Union[CheckpointSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., head_position: _Optional[int] = ...) -> None: ...

class ListStreamsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "prefix"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    prefix: str
    def __init__(self, prefix: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListStreamsResponse(_message.Message):
    __slots__ = ["next_page_token", "streams"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    streams: _containers.RepeatedCompositeFieldContainer[StreamSummary]
    def __init__(self, streams: _Optional[_Iterable[_Union[StreamSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReadAllRequest(_message.Message):
    __slots__ = ["direction", "end", "max_count", "position", "start"]
    class End(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    class Start(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    direction: _event_pb2.Direction
    end: ReadAllRequest.End
    max_count: int
    position: int
    start: ReadAllRequest.Start
    def __init__(self, direction: _Optional[_Union[_event_pb2.Direction, str]] = ..., start: _Optional[_Union[ReadAllRequest.Start, _Mapping]] = ..., end: _Optional[_Union[ReadAllRequest.End, _Mapping]] = ..., position: _Optional[int] = ..., max_count: _Optional[int] = ...) -> None: ...

class ReadAllResponse(_message.Message):
    __slots__ = ["events"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ...) -> None: ...

class ReadStreamPageRequest(_message.Message):
    __slots__ = ["direction", "end", "max_count", "revision", "start", "stream"]
    class End(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    class Start(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    direction: _event_pb2.Direction
    end: ReadStreamPageRequest.End
    max_count: int
    revision: int
    start: ReadStreamPageRequest.Start
    stream: str
    def __init__(self, stream: _Optional[str] = ..., direction: _Optional[_Union[_event_pb2.Direction, str]] = ..., start: _Optional[_Union[ReadStreamPageRequest.Start, _Mapping]] = ..., end: _Optional[_Union[ReadStreamPageRequest.End, _Mapping]] = ..., revision: _Optional[int] = ..., max_count: _Optional[int] = ...) -> None: ...

class ReadStreamPageResponse(_message.Message):
    __slots__ = ["events", "next_revision"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_REVISION_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    next_revision: int
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ..., next_revision: _Optional[int] = ...) -> None: ...

class ReadStreamRequest(_message.Message):
    __slots__ = ["direction", "end", "max_count", "revision", "start", "stream"]
    class End(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    class Start(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    direction: _event_pb2.Direction
    end: ReadStreamRequest.End
    max_count: int
    revision: int
    start: ReadStreamRequest.Start
    stream: str
    def __init__(self, stream: _Optional[str] = ..., direction: _Optional[_Union[_event_pb2.Direction, str]] = ..., start: _Optional[_Union[ReadStreamRequest.Start, _Mapping]] = ..., end: _Optional[_Union[ReadStreamRequest.End, _Mapping]] = ..., revision: _Optional[int] = ..., max_count: _Optional[int] = ...) -> None: ...

class ReadStreamResponse(_message.Message):
    __slots__ = ["events"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ...) -> None: ...

class ScavengeRequest(_message.Message):
    __slots__ = ["batch_size", "reclaim_space"]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    RECLAIM_SPACE_FIELD_NUMBER: _ClassVar[int]
    batch_size: int
    reclaim_space: bool
    def __init__(self, batch_size: _Optional[int] = ..., reclaim_space: bool = ...) -> None: ...

class ScavengeResponse(_message.Message):
    __slots__ = ["done", "head_position", "position", "removed"]
    DONE_FIELD_NUMBER: _ClassVar[int]
    HEAD_POSITION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    done: bool
    head_position: int
    position: int
    removed: int
    def __init__(self, position: _Optional[int] = ..., head_position: _Optional[int] = ..., removed: _Optional[int] = ..., done: bool = ...) -> None: ...

class SetCheckpointRequest(_message.Message):
    __slots__ = ["expected_position", "name", "position"]
    EXPECTED_POSITION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    expected_position: int
    name: str
    position: int
    def __init__(self, name: _Optional[str] = ..., position: _Optional[int] = ..., expected_position: _Optional[int] = ...) -> None: ...

class SetCheckpointResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SetStreamMetadataRequest(_message.Message):
    __slots__ = ["expected_metadata_revision", "metadata", "stream"]
    EXPECTED_METADATA_REVISION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    expected_metadata_revision: int
    metadata: StreamMetadata
    stream: str
    def __init__(self, stream: _Optional[str] = ..., metadata: _Optional[_Union[StreamMetadata, _Mapping]] = ..., expected_metadata_revision: _Optional[int] = ...) -> None: ...

class SetStreamMetadataResponse(_message.Message):
    __slots__ = ["metadata_revision"]
    METADATA_REVISION_FIELD_NUMBER: _ClassVar[int]
    metadata_revision: int
    def __init__(self, metadata_revision: _Optional[int] = ...) -> None: ...

class StreamMetadata(_message.Message):
    __slots__ = ["custom", "max_age_seconds", "max_count", "truncate_before"]
    class CustomEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    TRUNCATE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    custom: _containers.ScalarMap[str, str]
    max_age_seconds: int
    max_count: int
    truncate_before: int
    def __init__(self, max_count: _Optional[int] = ..., max_age_seconds: _Optional[int] = ..., truncate_before: _Optional[int] = ..., custom: _Optional[_Mapping[str, str]] = ...) -> None: ...

class StreamSummary(_message.Message):
    __slots__ = ["event_count", "last_position", "last_recorded_at", "last_revision", "stream"]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    LAST_RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_REVISION_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    event_count: int
    last_position: int
    last_recorded_at: _timestamp_pb2.Timestamp
    last_revision: int
    stream: str
    def __init__(self, stream: _Optional[str] = ..., last_revision: _Optional[int] = ..., last_position: _Optional[int] = ..., event_count: _Optional[int] = ..., last_recorded_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ["after_position", "after_revision", "all", "category", "checkpoint_every_events", "checkpoint_every_ms", "end", "filter", "start", "stream"]
    class All(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    class End(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    class Start(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    AFTER_POSITION_FIELD_NUMBER: _ClassVar[int]
    AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_EVERY_EVENTS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_EVERY_MS_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    after_position: int
    after_revision: int
    all: SubscribeRequest.All
    category: str
    checkpoint_every_events: int
    checkpoint_every_ms: int
    end: SubscribeRequest.End
    filter: SubscriptionFilter
    start: SubscribeRequest.Start
    stream: str
    def __init__(self, stream: _Optional[str] = ..., category: _Optional[str] = ..., all: _Optional[_Union[SubscribeRequest.All, _Mapping]] = ..., start: _Optional[_Union[SubscribeRequest.Start, _Mapping]] = ..., end: _Optional[_Union[SubscribeRequest.End, _Mapping]] = ..., after_revision: _Optional[int] = ..., after_position: _Optional[int] = ..., filter: _Optional[_Union[SubscriptionFilter, _Mapping]] = ..., checkpoint_every_events: _Optional[int] = ..., checkpoint_every_ms: _Optional[int] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ["caught_up", "checkpoint", "events", "fell_behind"]
    class CaughtUp(_message.Message):
        __slots__ = ["position", "revision"]
        POSITION_FIELD_NUMBER: _ClassVar[int]
        REVISION_FIELD_NUMBER: _ClassVar[int]
        position: int
        revision: int
        def __init__(self, position: _Optional[int] = ..., revision: _Optional[int] = ...) -> None: ...
    class Checkpoint(_message.Message):
        __slots__ = ["position"]
        POSITION_FIELD_NUMBER: _ClassVar[int]
        position: int
        def __init__(self, position: _Optional[int] = ...) -> None: ...
    class Events(_message.Message):
        __slots__ = ["events"]
        EVENTS_FIELD_NUMBER: _ClassVar[int]
        events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
        def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ...) -> None: ...
    class FellBehind(_message.Message):
        __slots__ = ["position"]
        POSITION_FIELD_NUMBER: _ClassVar[int]
        position: int
        def __init__(self, position: _Optional[int] = ...) -> None: ...
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    FELL_BEHIND_FIELD_NUMBER: _ClassVar[int]
    caught_up: SubscribeResponse.CaughtUp
    checkpoint: SubscribeResponse.Checkpoint
    events: SubscribeResponse.Events
    fell_behind: SubscribeResponse.FellBehind
    def __init__(self, events: _Optional[_Union[SubscribeResponse.Events, _Mapping]] = ..., caught_up: _Optional[_Union[SubscribeResponse.CaughtUp, _Mapping]] = ..., checkpoint: _Optional[_Union[SubscribeResponse.Checkpoint, _Mapping]] = ..., fell_behind: _Optional[_Union[SubscribeResponse.FellBehind, _Mapping]] = ...) -> None: ...

class SubscriptionFilter(_message.Message):
    __slots__ = ["event_type_prefixes", "stream_prefixes"]
    EVENT_TYPE_PREFIXES_FIELD_NUMBER: _ClassVar[int]
    STREAM_PREFIXES_FIELD_NUMBER: _ClassVar[int]
    event_type_prefixes: _containers.RepeatedScalarFieldContainer[str]
    stream_prefixes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, event_type_prefixes: _Optional[_Iterable[str]] = ..., stream_prefixes: _Optional[_Iterable[str]] = ...) -> None: ...

class TombstoneStreamRequest(_message.Message):
    __slots__ = ["expected_revision", "stream"]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    expected_revision: _event_pb2.ExpectedRevision
    stream: str
    def __init__(self, stream: _Optional[str] = ..., expected_revision: _Optional[_Union[_event_pb2.ExpectedRevision, _Mapping]] = ...) -> None: ...

class TombstoneStreamResponse(_message.Message):
    __slots__ = ["last_revision"]
    LAST_REVISION_FIELD_NUMBER: _ClassVar[int]
    last_revision: int
    def __init__(self, last_revision: _Optional[int] = ...) -> None: ...
