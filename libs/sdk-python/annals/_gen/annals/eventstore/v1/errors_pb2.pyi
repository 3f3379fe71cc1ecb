from annals.eventstore.v1 import event_pb2 as _event_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DataSubjectRefused(_message.Message):
    __slots__ = ["reason", "subject"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    reason: str
    subject: str
    def __init__(self, subject: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class InvalidField(_message.Message):
    __slots__ = ["field", "reason"]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    field: str
    reason: str
    def __init__(self, field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class StreamNotFound(_message.Message):
    __slots__ = ["stream"]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: str
    def __init__(self, stream: _Optional[str] = ...) -> None: ...

class StreamTombstoned(_message.Message):
    __slots__ = ["stream"]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: str
    def __init__(self, stream: _Optional[str] = ...) -> None: ...

class WrongExpectedCheckpoint(_message.Message):
    __slots__ = ["actual_position", "expected_position", "name"]
    ACTUAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_POSITION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    actual_position: int
    expected_position: int
    name: str
    def __init__(self, name: _Optional[str] = ..., expected_position: _Optional[int] = ..., actual_position: _Optional[int] = ...) -> None: ...

class WrongExpectedMetadataRevision(_message.Message):
    __slots__ = ["actual_metadata_revision", "expected_metadata_revision", "stream"]
    ACTUAL_METADATA_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_METADATA_REVISION_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    actual_metadata_revision: int
    expected_metadata_revision: int
    stream: str
    def __init__(self, stream: _Optional[str] = ..., expected_metadata_revision: _Optional[int] = ..., actual_metadata_revision: _Optional[int] = ...) -> None: ...

class WrongExpectedRevision(_message.Message):
    __slots__ = ["actual_revision", "expected", "stream"]
    ACTUAL_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    actual_revision: int
    expected: _event_pb2.ExpectedRevision
    stream: str
    def __init__(self, stream: _Optional[str] = ..., expected: _Optional[_Union[_event_pb2.ExpectedRevision, _Mapping]] = ..., actual_revision: _Optional[int] = ...) -> None: ...
