"""What the caller expects of a stream's state when appending, and its wire form."""

from typing import Literal, TypeAlias

from ._arguments import uint64
from .eventstore.v1 import event_pb2

ExpectedRevision: TypeAlias = Literal["any", "no_stream", "stream_exists"] | int
"""`"any"` (no check), `"no_stream"`, `"stream_exists"`, or the stream's exact last revision."""

_KINDS = ("any", "no_stream", "stream_exists")


def to_wire_expected(expected: ExpectedRevision) -> event_pb2.ExpectedRevision:
    if isinstance(expected, str):
        if expected not in _KINDS:
            raise ValueError(f'expected_revision must be "any", "no_stream", "stream_exists" or an int, not {expected!r}')
        wire = event_pb2.ExpectedRevision()
        getattr(wire, expected).SetInParent()
        return wire
    return event_pb2.ExpectedRevision(exact=uint64("expected_revision", expected))


def from_wire_expected(expected: event_pb2.ExpectedRevision) -> ExpectedRevision:
    kind = expected.WhichOneof("kind")
    if kind == "exact":
        return expected.exact
    if kind in ("no_stream", "stream_exists"):
        return kind
    return "any"
