"""A subscription: the history of a stream, a category or $all, then its live events."""

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

import grpc

from .errors import AnnalsError, from_rpc_error
from .events import RecordedEvent, from_wire_event
from .eventstore.v1 import event_store_pb2


@dataclass(frozen=True)
class CaughtUp:
    """Yielded once, when the history is delivered: what follows is live."""

    position: int
    """The global position where the history ended."""
    revision: int | None
    """Stream subscriptions: the stream's revision at that point; None when it had no event."""


@dataclass(frozen=True)
class Checkpoint:
    """Every position up to `position` has been scanned and nothing more matched the
    filter (category and $all subscriptions): store it to resume after it."""

    position: int


SubscriptionMessage: TypeAlias = RecordedEvent | CaughtUp | Checkpoint
"""What iterating a Subscription yields."""


class Subscription(Iterator[SubscriptionMessage]):
    """Iterating yields the events in order, `CaughtUp` once between the history and
    the live events, and a `Checkpoint` now and then while nothing matches. It never
    ends by itself: `close()` it (from any thread; the loop then ends quietly), or
    use it as a context manager. A broken connection raises `AnnalsError`
    (UNAVAILABLE): subscribe again with `after=subscription.position` (or
    `subscription.revision` for a stream) to resume without loss or duplicate."""

    def __init__(self, call: grpc.Call, *, stream_target: bool) -> None:
        self._call = call
        self._stream_target = stream_target
        self._pending: deque[SubscriptionMessage] = deque()
        self._closed = False
        self.caught_up = False
        """True once the history is delivered."""
        self.position: int | None = None
        """The last global position delivered or checkpointed."""
        self.revision: int | None = None
        """Stream subscriptions: the last revision delivered."""

    def __iter__(self) -> "Subscription":
        return self

    def __next__(self) -> SubscriptionMessage:
        while not self._pending:
            if self._closed:
                raise StopIteration
            self._receive()
        message = self._pending.popleft()
        if isinstance(message, RecordedEvent):
            self._advance(message.position)
            if self._stream_target:
                self.revision = message.revision
        elif isinstance(message, CaughtUp):
            self.caught_up = True
            self._advance(message.position)
            if message.revision is not None and (self.revision is None or message.revision > self.revision):
                self.revision = message.revision
        else:
            self._advance(message.position)
        return message

    def _receive(self) -> None:
        """Waits for the next response and queues what it carries."""
        try:
            response = next(self._call)
        except StopIteration:
            if self._closed:
                return
            raise AnnalsError("the subscription ended unexpectedly", grpc.StatusCode.UNAVAILABLE) from None
        except grpc.RpcError as error:
            if self._closed:
                return
            raise from_rpc_error(error) from error
        kind = response.WhichOneof("kind")
        if kind == "events":
            self._pending.extend(from_wire_event(event) for event in response.events.events)
        elif kind == "caught_up":
            caught_up = response.caught_up
            self._pending.append(CaughtUp(caught_up.position, caught_up.revision if caught_up.HasField("revision") else None))
        elif kind == "checkpoint":
            self._pending.append(Checkpoint(response.checkpoint.position))
        # fell_behind: the server serves this subscriber from the database again; nothing is lost or repeated.

    def _advance(self, position: int) -> None:
        if self.position is None or position > self.position:
            self.position = position

    def close(self) -> None:
        """Ends the subscription (cancels the call); a loop over it ends without an error."""
        self._closed = True
        self._call.cancel()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def subscribe_request(
    stream: str | None,
    category: str | None,
    after: int | None,
    from_end: bool,
    event_type_prefixes: list[str],
    stream_prefixes: list[str],
    checkpoint_every_events: int,
    checkpoint_every_ms: int,
) -> event_store_pb2.SubscribeRequest:
    if stream is not None and category is not None:
        raise ValueError("subscribe to a stream or a category, not both")
    if after is not None and from_end:
        raise ValueError("subscribe after a position or from the end, not both")
    request = event_store_pb2.SubscribeRequest(checkpoint_every_events=checkpoint_every_events, checkpoint_every_ms=checkpoint_every_ms)
    if stream is not None:
        request.stream = stream
    elif category is not None:
        request.category = category
    else:
        request.all.SetInParent()
    if from_end:
        request.end.SetInParent()
    elif after is None:
        request.start.SetInParent()
    elif stream is not None:
        request.after_revision = after
    else:
        request.after_position = after
    if event_type_prefixes or stream_prefixes:
        request.filter.event_type_prefixes.extend(event_type_prefixes)
        request.filter.stream_prefixes.extend(stream_prefixes)
    return request
