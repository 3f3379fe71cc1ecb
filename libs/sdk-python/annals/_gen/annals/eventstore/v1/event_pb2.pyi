from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
DIRECTION_BACKWARDS: Direction
DIRECTION_FORWARDS: Direction
DIRECTION_UNSPECIFIED: Direction

class ExpectedRevision(_message.Message):
    __slots__ = ["any", "exact", "no_stream", "stream_exists"]
    class Any(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    class NoStream(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    class StreamExists(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    ANY_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    NO_STREAM_FIELD_NUMBER: _ClassVar[int]
    STREAM_EXISTS_FIELD_NUMBER: _ClassVar[int]
    any: ExpectedRevision.Any
    exact: int
    no_stream: ExpectedRevision.NoStream
    stream_exists: ExpectedRevision.StreamExists
    def __init__(self, any: _Optional[_Union[ExpectedRevision.Any, _Mapping]] = ..., no_stream: _Optional[_Union[ExpectedRevision.NoStream, _Mapping]] = ..., stream_exists: _Optional[_Union[ExpectedRevision.StreamExists, _Mapping]] = ..., exact: _Optional[int] = ...) -> None: ...

class ProposedEvent(_message.Message):
    __slots__ = ["content_type", "data", "id", "metadata", "type"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    data: bytes
    id: str
    metadata: _containers.ScalarMap[str, str]
    type: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., data: _Optional[bytes] = ..., content_type: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RecordedEvent(_message.Message):
    __slots__ = ["content_type", "data", "erased", "id", "metadata", "position", "recorded_at", "revision", "stream", "type"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    data: bytes
    erased: bool
    id: str
    metadata: _containers.ScalarMap[str, str]
    position: int
    recorded_at: _timestamp_pb2.Timestamp
    revision: int
    stream: str
    type: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., data: _Optional[bytes] = ..., content_type: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., stream: _Optional[str] = ..., revision: _Optional[int] = ..., position: _Optional[int] = ..., recorded_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., erased: bool = ...) -> None: ...

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
