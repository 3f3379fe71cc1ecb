"""The client's errors, and the one place where a failed gRPC call becomes one of them."""

import grpc
from google.protobuf import any_pb2, empty_pb2
from google.protobuf.unknown_fields import UnknownFieldSet

from .eventstore.v1 import errors_pb2
from .expected_revision import ExpectedRevision, from_wire_expected

# The trailer carrying a google.rpc.Status (code = 1, message = 2, repeated google.protobuf.Any details = 3).
_STATUS_DETAILS = "grpc-status-details-bin"
_STATUS_DETAILS_FIELD = 3


class AnnalsError(Exception):
    """A failed call. `code` is the gRPC status code; `field` names the offending
    field when the server said which (INVALID_ARGUMENT, RESOURCE_EXHAUSTED)."""

    def __init__(self, message: str, code: grpc.StatusCode, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"


class WrongExpectedRevisionError(AnnalsError):
    """The stream's state did not match the expected revision (FAILED_PRECONDITION).
    `actual` is the stream's last revision, None when the stream does not exist."""

    def __init__(self, message: str, stream: str, expected: ExpectedRevision, actual: int | None) -> None:
        super().__init__(message, grpc.StatusCode.FAILED_PRECONDITION)
        self.stream = stream
        self.expected = expected
        self.actual = actual


def _status_details(call: grpc.RpcError) -> list[any_pb2.Any]:
    """The `details` of the google.rpc.Status in the call's trailer. Debian's protobuf
    runtime does not ship google.rpc.Status (googleapis-common-protos does): the bytes
    are parsed as an Empty, which keeps every field as an unknown one, and the values
    of field 3 are the details, each a google.protobuf.Any."""
    trailers = call.trailing_metadata() if hasattr(call, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == _STATUS_DETAILS and isinstance(value, bytes):
            status = empty_pb2.Empty.FromString(value)
            return [any_pb2.Any.FromString(field.data) for field in UnknownFieldSet(status) if field.field_number == _STATUS_DETAILS_FIELD]
    return []


def from_rpc_error(error: grpc.RpcError) -> AnnalsError:
    """The typed error for a failed call."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or str(error)
    field = None
    for detail in _status_details(error):
        if detail.Is(errors_pb2.WrongExpectedRevision.DESCRIPTOR):
            conflict = errors_pb2.WrongExpectedRevision()
            detail.Unpack(conflict)
            actual = conflict.actual_revision if conflict.HasField("actual_revision") else None
            return WrongExpectedRevisionError(message, conflict.stream, from_wire_expected(conflict.expected), actual)
        if detail.Is(errors_pb2.InvalidField.DESCRIPTOR):
            invalid = errors_pb2.InvalidField()
            detail.Unpack(invalid)
            field = invalid.field
    return AnnalsError(message, code, field)
