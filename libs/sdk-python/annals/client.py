"""The client of the Annals event store."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from ._arguments import strings, uint64
from .errors import from_rpc_error
from .events import NewEvent, RecordedEvent, from_wire_event, to_wire_event
from .eventstore.v1 import event_pb2, event_store_pb2
from .expected_revision import ExpectedRevision, to_wire_expected
from .stub import EventStoreStub
from .subscription import Subscription, subscribe_request

# Room for the largest messages the server sends or accepts (gRPC's own receive limit is 4 MiB).
_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

R = TypeVar("R")


@dataclass(frozen=True)
class AppendResult:
    revision: int
    """The stream's last revision after the append."""
    position: int
    """The global position of the append's last event."""


@dataclass(frozen=True)
class StreamState:
    last_revision: int
    last_position: int
    event_count: int


@dataclass(frozen=True)
class StreamPage:
    """One page of a stream, read in one call."""

    events: list[RecordedEvent]
    next_revision: int | None
    """Pass it as `from_revision` for the next page (same direction); None when nothing followed."""


@dataclass(frozen=True)
class StreamSummary:
    stream: str
    last_revision: int
    last_position: int
    event_count: int


@dataclass(frozen=True)
class StoredCheckpoint:
    """A named position stored on the server."""

    position: int
    updated_at: datetime


def _direction(backwards: bool) -> int:
    return event_pb2.DIRECTION_BACKWARDS if backwards else event_pb2.DIRECTION_FORWARDS


def _stream_request(request_type: Any, stream: str, backwards: bool, from_revision: int | None, max_count: int) -> Any:
    """A ReadStream or ReadStreamPage request: the two have the same fields."""
    request = request_type(stream=stream, direction=_direction(backwards), max_count=uint64("max_count", max_count))
    if from_revision is not None:
        request.revision = uint64("from_revision", from_revision)
    return request


def _events(start: Callable[[], Any]) -> Iterator[RecordedEvent]:
    """Runs a server-streaming read and yields its events one by one (the wire carries
    them in batches). Leaving the loop early cancels the call on the server."""
    call = start()
    try:
        for response in call:
            for event in response.events:
                yield from_wire_event(event)
    except grpc.RpcError as error:
        raise from_rpc_error(error) from error
    finally:
        call.cancel()


class _BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call, over TLS or cleartext alike."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, details: Any) -> Any:
        metadata = [*(details.metadata or ()), self._header]
        return _CallDetails(details.method, details.timeout, metadata, details.credentials, getattr(details, "wait_for_ready", None), getattr(details, "compression", None))

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)


class _CallDetails(grpc.ClientCallDetails):
    def __init__(self, method: str, timeout: Any, metadata: Any, credentials: Any, wait_for_ready: Any, compression: Any) -> None:
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


class Client:
    """A client of the Annals event store; thread-safe, one HTTP/2 connection.

    `target` is `host:port` (or `http://host:port`, or `https://host:port` for TLS);
    `token` is a bearer token (API key or JWT) sent on every call; `root_certificates`
    (PEM bytes) are the certificate authorities to trust for TLS (default the
    system's); or pass `credentials` (e.g. `grpc.ssl_channel_credentials()`) yourself,
    and `options` for the gRPC channel. Use it as a context manager, or call `close()`."""

    def __init__(
        self,
        target: str,
        *,
        token: str | None = None,
        root_certificates: bytes | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        secure = target.startswith("https://") or root_certificates is not None
        target = target.removeprefix("http://").removeprefix("https://")
        channel_options = [("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES), ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES), *options]
        if credentials is None and secure:
            credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
        if credentials is None:
            self._channel = grpc.insecure_channel(target, options=channel_options)
        else:
            self._channel = grpc.secure_channel(target, credentials, options=channel_options)
        if token:
            self._channel = grpc.intercept_channel(self._channel, _BearerToken(token))
        self.stub = EventStoreStub(self._channel)
        """Every RPC of the service as a gRPC callable (`annals.stub`), for calls this client does not wrap."""

    def close(self) -> None:
        """Closes the connection; calls in flight end with CANCELLED."""
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _unary(self, method: Callable[[Any], R], request: Any) -> R:
        try:
            return method(request)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from error

    def append(self, stream: str, events: Iterable[NewEvent | Message], *, expected_revision: ExpectedRevision = "any") -> AppendResult:
        """Appends `events` to `stream` atomically: all of them or none. Raises
        `WrongExpectedRevisionError` when the stream's state does not match
        `expected_revision`: "any" (default), "no_stream", "stream_exists" or the
        stream's exact last revision."""
        request = event_store_pb2.AppendRequest(
            stream=stream, events=[to_wire_event(event) for event in events], expected_revision=to_wire_expected(expected_revision)
        )
        response = self._unary(self.stub.Append, request)
        return AppendResult(response.revision, response.position)

    def read_stream(self, stream: str, *, backwards: bool = False, from_revision: int | None = None, max_count: int | None = None) -> Iterator[RecordedEvent]:
        """The events of `stream`, one by one, forwards (or `backwards`) from
        `from_revision` (inclusive; default the start, or the end backwards), at most
        `max_count`. A stream that does not exist has no event."""
        request = _stream_request(event_store_pb2.ReadStreamRequest, stream, backwards, from_revision, max_count or 0)
        return _events(lambda: self.stub.ReadStream(request))

    def read_stream_page(self, stream: str, *, backwards: bool = False, from_revision: int | None = None, max_count: int = 0) -> StreamPage:
        """One page of `stream` in one unary call, forwards (or `backwards`) from
        `from_revision` (inclusive; default the start, or the end backwards): at most
        `max_count` events (0: 100; the server grants at most 1,000)."""
        request = _stream_request(event_store_pb2.ReadStreamPageRequest, stream, backwards, from_revision, max_count)
        response = self._unary(self.stub.ReadStreamPage, request)
        next_revision = response.next_revision if response.HasField("next_revision") else None
        return StreamPage([from_wire_event(event) for event in response.events], next_revision)

    def read_all(self, *, backwards: bool = False, from_position: int | None = None, max_count: int | None = None) -> Iterator[RecordedEvent]:
        """The global log ($all), one event at a time, forwards (or `backwards`) from
        `from_position` (inclusive; default the start, or the end backwards), at most `max_count`."""
        request = event_store_pb2.ReadAllRequest(direction=_direction(backwards), max_count=uint64("max_count", max_count or 0))
        if from_position is not None:
            request.position = uint64("from_position", from_position)
        return _events(lambda: self.stub.ReadAll(request))

    def get_stream(self, stream: str) -> StreamState | None:
        """The stream's last revision, position and event count; None when it does not exist."""
        response = self._unary(self.stub.GetStream, event_store_pb2.GetStreamRequest(stream=stream))
        if not response.exists:
            return None
        return StreamState(response.last_revision, response.last_position, response.event_count)

    def list_streams(self, *, prefix: str = "", page_size: int = 100) -> Iterator[StreamSummary]:
        """Every stream (or those whose name starts with `prefix`) in name order, fetched `page_size` at a time."""
        page_token = ""
        while True:
            request = event_store_pb2.ListStreamsRequest(prefix=prefix, page_size=page_size, page_token=page_token)
            response = self._unary(self.stub.ListStreams, request)
            for summary in response.streams:
                yield StreamSummary(summary.stream, summary.last_revision, summary.last_position, summary.event_count)
            page_token = response.next_page_token
            if not page_token:
                return

    def subscribe(
        self,
        stream: str | None = None,
        *,
        category: str | None = None,
        after: int | None = None,
        from_end: bool = False,
        event_type_prefixes: Iterable[str] = (),
        stream_prefixes: Iterable[str] = (),
        checkpoint_every_events: int = 0,
        checkpoint_every_ms: int = 0,
    ) -> Subscription:
        """Follows one `stream`, a `category` (every stream whose name starts with it)
        or, with neither, $all: the history first, then `CaughtUp`, then live events.

        Starts at the beginning, `after` a revision (stream) or a global position
        (category, $all), exclusive, or `from_end` (only what is committed from now
        on). Only events whose type starts with one of `event_type_prefixes` and whose
        stream starts with one of `stream_prefixes` (when given). Category and $all:
        a `Checkpoint` after `checkpoint_every_events` positions or
        `checkpoint_every_ms` without a match (0: the server's default, 1,000 each)."""
        request = subscribe_request(
            stream,
            category,
            None if after is None else uint64("after", after),
            from_end,
            strings("event_type_prefixes", event_type_prefixes),
            strings("stream_prefixes", stream_prefixes),
            checkpoint_every_events,
            checkpoint_every_ms,
        )
        return Subscription(self.stub.Subscribe(request), stream_target=stream is not None)

    def set_checkpoint(self, name: str, position: int) -> None:
        """Stores a named position, e.g. the last one a consumer has processed."""
        self._unary(self.stub.SetCheckpoint, event_store_pb2.SetCheckpointRequest(name=name, position=uint64("position", position)))

    def get_checkpoint(self, name: str) -> StoredCheckpoint | None:
        """The named checkpoint; None when it was never set."""
        response = self._unary(self.stub.GetCheckpoint, event_store_pb2.GetCheckpointRequest(name=name))
        if not response.exists:
            return None
        return StoredCheckpoint(response.position, response.updated_at.ToDatetime(tzinfo=timezone.utc))
