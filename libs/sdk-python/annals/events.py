"""Events: as the caller proposes them, and as the store recorded them."""

import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from json import dumps, loads
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message

from .eventstore.v1 import event_pb2

PROTOBUF = "application/protobuf"
JSON = "application/json"

M = TypeVar("M", bound=Message)


def _v7_bits(value: int) -> int:
    """`value` with the version (7) and variant (0b10) bits of a version 7 UUID set."""
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    return (value & ~(0x3 << 62)) | (0x2 << 62)


_id_lock = threading.Lock()
_last_id = 0


def _new_id() -> str:
    """A time-ordered (version 7, RFC 9562) UUID, as the TypeScript SDK makes them:
    48 bits of Unix milliseconds, then random bits, so that new events' ids sort after
    older ones and the store's id index grows at its end. Ids made in this process
    increase strictly, within a millisecond too (the Python 3.11 standard library has
    no uuid7)."""
    global _last_id
    with _id_lock:
        value = _v7_bits((time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big"))
        if value <= _last_id:
            # Within the same millisecond: one more than the last id, in its random bits.
            value = _v7_bits(_last_id + 1)
            if value <= _last_id:
                value = _v7_bits(((_last_id >> 80) + 1) << 80)
        _last_id = value
    return str(uuid.UUID(int=value))


@dataclass(frozen=True)
class NewEvent:
    """An event to append. `id` is the idempotency key: appending again with the same
    ids at the same revisions stores nothing new, so a retry is safe (by default a
    time-ordered UUID, chosen once per NewEvent)."""

    type: str
    """By convention the full protobuf message name, e.g. "annals.bank.v1.MoneyDeposited"."""
    data: bytes = b""
    content_type: str = PROTOBUF
    """application/protobuf (binary) or application/json."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    id: str = field(default_factory=_new_id)

    @classmethod
    def from_message(cls, message: Message, *, metadata: Mapping[str, str] | None = None, id: str | None = None) -> "NewEvent":
        """A protobuf message, binary encoded; its type is the message's full name."""
        return cls(message.DESCRIPTOR.full_name, message.SerializeToString(), PROTOBUF, dict(metadata or {}), id or _new_id())

    @classmethod
    def from_json(cls, type: str, value: Any, *, metadata: Mapping[str, str] | None = None, id: str | None = None) -> "NewEvent":
        """Any JSON value, as "application/json"."""
        return cls(type, dumps(value, separators=(",", ":")).encode(), JSON, dict(metadata or {}), id or _new_id())


@dataclass(frozen=True)
class RecordedEvent:
    """An event as the store recorded it."""

    id: str
    type: str
    data: bytes
    content_type: str
    metadata: Mapping[str, str]
    stream: str
    revision: int
    """0-based, contiguous position of the event inside its stream."""
    position: int
    """Position in the global log ($all): unique and strictly increasing."""
    recorded_at: datetime
    """When the event was committed (UTC)."""

    def decode(self, message_class: type[M]) -> M:
        """The payload as a `message_class` protobuf message, from its binary or JSON encoding."""
        if self.content_type == JSON:
            return json_format.Parse(self.data, message_class())
        return message_class.FromString(self.data)

    def json(self) -> Any:
        """The payload of an "application/json" event, parsed."""
        return loads(self.data)


def to_wire_event(event: NewEvent | Message) -> event_pb2.ProposedEvent:
    if isinstance(event, Message):
        event = NewEvent.from_message(event)
    if not isinstance(event, NewEvent):
        raise TypeError(f"events must be NewEvent or protobuf messages, not {type(event).__name__}")
    return event_pb2.ProposedEvent(id=event.id, type=event.type, data=event.data, content_type=event.content_type, metadata=event.metadata)


def from_wire_event(event: event_pb2.RecordedEvent) -> RecordedEvent:
    return RecordedEvent(
        id=event.id,
        type=event.type,
        data=event.data,
        content_type=event.content_type,
        metadata=dict(event.metadata),
        stream=event.stream,
        revision=event.revision,
        position=event.position,
        recorded_at=event.recorded_at.ToDatetime(tzinfo=timezone.utc),
    )
