"""The Python client against a real Annals server.

Run by apps/server/src/python-sdk.e2e.spec.ts (`npm test`), which starts the server and
sets ANNALS_TEST_TARGET; by hand: ANNALS_TEST_TARGET=127.0.0.1:50051 PYTHONPATH=libs/sdk-python
/usr/bin/python3 -m unittest discover -s libs/sdk-python/tests -v
"""

import os
import socket
import threading
import time
import unittest
import uuid
from datetime import datetime, timedelta, timezone

import grpc

from annals import (
    AnnalsError,
    CaughtUp,
    Checkpoint,
    Client,
    NewEvent,
    RecordedEvent,
    StreamState,
    WrongExpectedRevisionError,
)
from annals.eventstore.v1 import event_pb2, event_store_pb2

TARGET = os.environ["ANNALS_TEST_TARGET"]
# Longest wait for a subscription's next message before the test gives up on it.
PATIENCE_S = 20


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


def note(text: str = "x") -> NewEvent:
    return NewEvent.from_json("test.Noted", {"text": text})


class ClientTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client(TARGET)
        self.addCleanup(self.client.close)

    def read(self, stream: str, **options: object) -> list[RecordedEvent]:
        return list(self.client.read_stream(stream, **options))

    def guarded(self, subscription):
        """Closes `subscription` after PATIENCE_S, so that a missing message fails the test instead of hanging it."""
        timer = threading.Timer(PATIENCE_S, subscription.close)
        timer.start()
        self.addCleanup(timer.cancel)
        self.addCleanup(subscription.close)
        return subscription

    def next_of(self, subscription):
        message = next(subscription, None)
        self.assertIsNotNone(message, f"no message within {PATIENCE_S} s")
        return message


class StubTest(ClientTest):
    """`client.stub`: every RPC of the service, built from its descriptor, callable with the generated messages."""

    UNARY = {"Append", "ReadStreamPage", "GetStream", "ListStreams", "SetCheckpoint", "GetCheckpoint", "GetEvents", "ListCheckpoints", "GetSchemas",
             "SetStreamMetadata", "GetStreamMetadata", "DeleteStream", "TombstoneStream", "ForgetSubject"}
    STREAMING = {"ReadStream", "ReadAll", "Subscribe", "Scavenge"}

    def test_every_method_of_the_service_has_its_callable_of_its_kind(self) -> None:
        names = {method.name for method in event_store_pb2.DESCRIPTOR.services_by_name["EventStore"].methods}
        self.assertEqual(names, self.UNARY | self.STREAMING)
        for name in self.UNARY:
            self.assertIsInstance(getattr(self.client.stub, name), grpc.UnaryUnaryMultiCallable, name)
        for name in self.STREAMING:
            self.assertIsInstance(getattr(self.client.stub, name), grpc.UnaryStreamMultiCallable, name)
        with self.assertRaisesRegex(AttributeError, "no method 'Nope'.*Append"):
            self.client.stub.Nope  # noqa: B018

    def test_raw_calls_take_and_return_the_generated_messages(self) -> None:
        stream = unique("stub")
        event = event_pb2.ProposedEvent(id=str(uuid.uuid4()), type="test.Noted", data=b"{}", content_type="application/json")
        appended = self.client.stub.Append(event_store_pb2.AppendRequest(stream=stream, events=[event]))
        self.assertIsInstance(appended, event_store_pb2.AppendResponse)
        state = self.client.stub.GetStream(event_store_pb2.GetStreamRequest(stream=stream))
        self.assertIsInstance(state, event_store_pb2.GetStreamResponse)
        self.assertEqual(self.client.get_stream(stream).event_count, 1)
        found = self.client.stub.GetEvents(event_store_pb2.GetEventsRequest(ids=[event.id]))
        self.assertEqual([recorded.id for recorded in found.events], [event.id])
        with self.assertRaises(grpc.RpcError) as refused:
            self.client.stub.Append(event_store_pb2.AppendRequest(stream="", events=[event]))
        self.assertEqual(refused.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


class AppendTest(ClientTest):
    def test_new_events_get_time_ordered_ids_that_the_store_keeps(self) -> None:
        before = time.time_ns() // 1_000_000
        events = [note(str(index)) for index in range(1_000)]
        after = time.time_ns() // 1_000_000
        ids = [event.id for event in events]
        self.assertEqual(ids, sorted(set(ids)))
        for value in (uuid.UUID(event_id) for event_id in ids):
            self.assertEqual((value.version, value.variant), (7, uuid.RFC_4122))
            self.assertTrue(before <= value.int >> 80 <= after)
        stream = unique("ids")
        self.client.append(stream, events[:10])
        self.assertEqual([event.id for event in self.client.read_stream(stream)], ids[:10])

    def test_pages_of_a_stream_in_one_call_each(self) -> None:
        stream = unique("page")
        self.client.append(stream, [note(str(index)) for index in range(5)])
        first = self.client.read_stream_page(stream, max_count=3)
        self.assertEqual(([event.revision for event in first.events], first.next_revision), ([0, 1, 2], 3))
        rest = self.client.read_stream_page(stream, from_revision=first.next_revision, max_count=3)
        self.assertEqual(([event.revision for event in rest.events], rest.next_revision), ([3, 4], None))
        backwards = self.client.read_stream_page(stream, backwards=True, max_count=2)
        self.assertEqual(([event.revision for event in backwards.events], backwards.next_revision), ([4, 3], 2))
        self.assertEqual(self.client.read_stream_page(unique("missing")).events, [])

    def test_expected_revisions(self) -> None:
        stream = unique("append")
        first = self.client.append(stream, [note("a")], expected_revision="no_stream")
        self.assertEqual(first.revision, 0)
        second = self.client.append(stream, [note("b"), note("c")], expected_revision="stream_exists")
        self.assertEqual(second.revision, 2)
        self.assertEqual(second.position, first.position + 2)
        third = self.client.append(stream, [note("d")], expected_revision=2)
        self.assertEqual(third.revision, 3)
        fourth = self.client.append(stream, [note("e")])
        self.assertEqual(fourth.revision, 4)
        self.assertEqual(self.client.get_stream(stream), StreamState(last_revision=4, last_position=fourth.position, event_count=5))
        self.assertIsNone(self.client.get_stream(unique("missing")))

    def test_conflict_raises_wrong_expected_revision_with_expected_and_actual(self) -> None:
        stream = unique("conflict")
        self.client.append(stream, [note(), note()])
        with self.assertRaises(WrongExpectedRevisionError) as caught:
            self.client.append(stream, [note()], expected_revision=0)
        error = caught.exception
        self.assertEqual((error.stream, error.expected, error.actual), (stream, 0, 1))
        self.assertEqual(error.code, grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIsInstance(error, AnnalsError)
        with self.assertRaises(WrongExpectedRevisionError) as caught:
            self.client.append(stream, [note()], expected_revision="no_stream")
        self.assertEqual((caught.exception.expected, caught.exception.actual), ("no_stream", 1))
        missing = unique("missing")
        with self.assertRaises(WrongExpectedRevisionError) as caught:
            self.client.append(missing, [note()], expected_revision="stream_exists")
        self.assertEqual((caught.exception.stream, caught.exception.expected, caught.exception.actual), (missing, "stream_exists", None))
        self.assertEqual(len(self.read(stream)), 2, "a refused append stores nothing")

    def test_retrying_with_the_same_ids_stores_nothing_new(self) -> None:
        stream = unique("retry")
        events = [note("a"), note("b")]
        first = self.client.append(stream, events, expected_revision="no_stream")
        again = self.client.append(stream, events, expected_revision="no_stream")
        self.assertEqual(again, first)
        self.assertEqual([event.id for event in self.read(stream)], [event.id for event in events])

    def test_invalid_input_raises_annals_error_with_the_field(self) -> None:
        with self.assertRaises(AnnalsError) as caught:
            self.client.append("$reserved", [note()])
        self.assertNotIsInstance(caught.exception, WrongExpectedRevisionError)
        self.assertEqual((caught.exception.code, caught.exception.field), (grpc.StatusCode.INVALID_ARGUMENT, "stream"))
        with self.assertRaises(AnnalsError) as caught:
            self.client.append(unique("bad"), [note(), NewEvent("not a type!")])
        self.assertEqual((caught.exception.code, caught.exception.field), (grpc.StatusCode.INVALID_ARGUMENT, "events[1].type"))
        self.assertIn("INVALID_ARGUMENT", str(caught.exception))
        with self.assertRaises(AnnalsError) as caught:
            list(self.client.read_stream("$reserved"))
        self.assertEqual((caught.exception.code, caught.exception.field), (grpc.StatusCode.INVALID_ARGUMENT, "stream"))

    def test_bad_arguments_are_refused_before_the_call(self) -> None:
        with self.assertRaises(ValueError):
            self.client.append(unique("args"), [note()], expected_revision="latest")
        with self.assertRaises(ValueError):
            self.client.append(unique("args"), [note()], expected_revision=-1)
        with self.assertRaises(TypeError):
            self.client.append(unique("args"), [note()], expected_revision=True)
        with self.assertRaises(TypeError):
            self.client.append(unique("args"), [{"type": "test.Noted"}])
        with self.assertRaises(TypeError):
            self.client.subscribe(event_type_prefixes="test.")
        with self.assertRaises(ValueError):
            self.client.subscribe("a", category="b")

    def test_unreachable_server_raises_unavailable(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free_port = probe.getsockname()[1]
        with Client(f"127.0.0.1:{free_port}") as client, self.assertRaises(AnnalsError) as caught:
            client.get_stream("anything")
        self.assertEqual(caught.exception.code, grpc.StatusCode.UNAVAILABLE)


class ReadTest(ClientTest):
    def test_reads_forwards_and_backwards(self) -> None:
        stream = unique("read")
        self.client.append(stream, [note(str(n)) for n in range(5)], expected_revision="no_stream")
        events = self.read(stream)
        self.assertEqual([event.revision for event in events], [0, 1, 2, 3, 4])
        self.assertEqual([event.json()["text"] for event in events], ["0", "1", "2", "3", "4"])
        self.assertEqual({event.stream for event in events}, {stream})
        self.assertEqual([event.position for event in events], sorted(event.position for event in events))
        self.assertEqual([event.revision for event in self.read(stream, backwards=True)], [4, 3, 2, 1, 0])
        self.assertEqual([event.revision for event in self.read(stream, from_revision=2, max_count=2)], [2, 3])
        self.assertEqual([event.revision for event in self.read(stream, backwards=True, from_revision=3, max_count=2)], [3, 2])
        self.assertEqual(self.read(unique("missing")), [])

    def test_events_keep_their_fields(self) -> None:
        stream = unique("fields")
        event = NewEvent("test.Raw", b"\x00\x01binary", metadata={"actor": "ada", "correlation": "c-1"})
        self.client.append(stream, [event])
        [recorded] = self.read(stream)
        self.assertEqual((recorded.id, recorded.type, recorded.data, recorded.content_type), (event.id, "test.Raw", b"\x00\x01binary", "application/protobuf"))
        self.assertEqual(recorded.metadata, {"actor": "ada", "correlation": "c-1"})
        self.assertEqual(recorded.recorded_at.tzinfo, timezone.utc)
        self.assertLess(abs(recorded.recorded_at - datetime.now(timezone.utc)), timedelta(minutes=1))

    def test_protobuf_messages_round_trip(self) -> None:
        stream = unique("proto")
        message = event_store_pb2.GetStreamResponse(exists=True, last_revision=7, event_count=8)
        self.client.append(stream, [message, NewEvent.from_message(message, metadata={"actor": "ada"})])
        as_json = NewEvent("annals.eventstore.v1.GetStreamResponse", b'{"exists":true,"lastRevision":"7"}', content_type="application/json")
        self.client.append(stream, [as_json])
        events = self.read(stream)
        self.assertEqual([event.type for event in events], ["annals.eventstore.v1.GetStreamResponse"] * 3)
        self.assertEqual(events[0].decode(event_store_pb2.GetStreamResponse), message)
        self.assertEqual(events[1].metadata, {"actor": "ada"})
        self.assertEqual(events[2].decode(event_store_pb2.GetStreamResponse).last_revision, 7)

    def test_batches_are_flattened(self) -> None:
        stream = unique("batches")
        big = b"x" * (100 * 1024)
        self.client.append(stream, [NewEvent("test.Big", big) for _ in range(8)])
        request = event_store_pb2.ReadStreamRequest(stream=stream)
        batches = [len(response.events) for response in self.client.stub.ReadStream(request)]
        self.assertGreater(len(batches), 1, "the server sends these events in several batches")
        events = self.read(stream)
        self.assertEqual([event.revision for event in events], list(range(8)))
        self.assertTrue(all(event.data == big for event in events))

    def test_read_all_in_global_order(self) -> None:
        first, second = unique("all-a"), unique("all-b")
        start = self.client.append(first, [note("a0")]).position
        self.client.append(second, [note("b0")])
        self.client.append(first, [note("a1")])
        mine = {first, second}
        events = [event for event in self.client.read_all(from_position=start, max_count=100) if event.stream in mine]
        self.assertEqual([(event.stream, event.revision) for event in events], [(first, 0), (second, 0), (first, 1)])
        self.assertEqual(events[0].position, start)
        latest = list(self.client.read_all(backwards=True, max_count=2))
        self.assertEqual(len(latest), 2)
        self.assertGreater(latest[0].position, latest[1].position)
        self.assertEqual([event.position for event in self.client.read_all(from_position=start, max_count=1)], [start])

    def test_leaving_a_read_early_ends_it(self) -> None:
        stream = unique("early")
        self.client.append(stream, [NewEvent("test.Big", b"x" * (100 * 1024)) for _ in range(20)])
        events = self.client.read_stream(stream)
        self.assertEqual(next(events).revision, 0)
        events.close()
        self.assertIsNone(next(events, None))
        self.assertEqual(len(self.read(stream)), 20, "the connection still serves calls")

    def test_list_streams_pages_through_a_prefix(self) -> None:
        prefix = unique("list") + "-"
        for name, count in (("c", 1), ("a", 1), ("b", 2)):
            self.client.append(prefix + name, [note() for _ in range(count)])
        summaries = list(self.client.list_streams(prefix=prefix, page_size=2))
        self.assertEqual([(summary.stream, summary.event_count) for summary in summaries], [(prefix + "a", 1), (prefix + "b", 2), (prefix + "c", 1)])


class SubscribeTest(ClientTest):
    def test_history_then_caught_up_then_live(self) -> None:
        stream = unique("subscribe")
        self.client.append(stream, [note("h0"), note("h1")])
        subscription = self.guarded(self.client.subscribe(stream))
        history = [self.next_of(subscription), self.next_of(subscription)]
        self.assertEqual([(event.revision, event.json()["text"]) for event in history], [(0, "h0"), (1, "h1")])
        self.assertFalse(subscription.caught_up)
        caught_up = self.next_of(subscription)
        self.assertIsInstance(caught_up, CaughtUp)
        self.assertEqual(caught_up, CaughtUp(position=history[1].position, revision=1))
        self.assertTrue(subscription.caught_up)
        live = self.client.append(stream, [note("live")])
        event = self.next_of(subscription)
        self.assertIsInstance(event, RecordedEvent)
        self.assertEqual((event.revision, event.position, event.json()["text"]), (2, live.position, "live"))
        self.assertEqual((subscription.revision, subscription.position), (2, live.position))

    def test_resuming_after_a_revision_and_from_the_end(self) -> None:
        stream = unique("resume")
        self.client.append(stream, [note("0"), note("1"), note("2")])
        after = self.guarded(self.client.subscribe(stream, after=1))
        self.assertEqual(self.next_of(after).revision, 2)
        self.assertIsInstance(self.next_of(after), CaughtUp)
        from_end = self.guarded(self.client.subscribe(stream, from_end=True))
        self.assertIsInstance(self.next_of(from_end), CaughtUp)
        self.client.append(stream, [note("3")])
        self.assertEqual(self.next_of(from_end).revision, 3)
        self.assertEqual(self.next_of(after).revision, 3)

    def test_a_category_with_a_filter_and_checkpoints(self) -> None:
        category = unique("cat") + "-"
        start = self.client.append(category + "1", [note("skip"), NewEvent.from_json("test.Wanted", {"n": 1})]).position
        subscription = self.guarded(
            self.client.subscribe(category=category, after=start - 2, event_type_prefixes=["test.Wanted"], checkpoint_every_events=1, checkpoint_every_ms=50)
        )
        received = []
        for message in subscription:
            received.append(message)
            if isinstance(message, CaughtUp):
                break
        events = [message for message in received if isinstance(message, RecordedEvent)]
        self.assertEqual([(event.stream, event.type) for event in events], [(category + "1", "test.Wanted")])
        self.client.append(category + "2", [note("not wanted") for _ in range(3)])
        self.client.append(unique("elsewhere"), [NewEvent.from_json("test.Wanted", {"n": 2})])
        while not isinstance(message := self.next_of(subscription), Checkpoint):
            self.assertNotIsInstance(message, RecordedEvent, "only wanted events of the category pass")
        self.assertGreaterEqual(message.position, start)
        self.assertEqual(subscription.position, message.position)
        last = self.client.append(category + "3", [NewEvent.from_json("test.Wanted", {"n": 3})])
        while isinstance(message := self.next_of(subscription), Checkpoint):
            pass
        self.assertEqual((message.stream, message.position), (category + "3", last.position))

    def test_close_ends_a_blocked_loop_quietly(self) -> None:
        subscription = self.client.subscribe(unique("quiet"))
        self.assertIsInstance(next(subscription), CaughtUp)
        threading.Timer(0.2, subscription.close).start()
        self.assertEqual(list(subscription), [])

    def test_a_refused_subscription_raises(self) -> None:
        with self.assertRaises(AnnalsError) as caught:
            next(self.guarded(self.client.subscribe("")))
        self.assertEqual((caught.exception.code, caught.exception.field), (grpc.StatusCode.INVALID_ARGUMENT, "stream"))
        with self.assertRaises(AnnalsError) as caught:
            next(self.guarded(self.client.subscribe(category="")))
        self.assertEqual((caught.exception.code, caught.exception.field), (grpc.StatusCode.INVALID_ARGUMENT, "category"))


class CheckpointTest(ClientTest):
    def test_set_and_get(self) -> None:
        name = unique("consumer")
        self.assertIsNone(self.client.get_checkpoint(name))
        self.client.set_checkpoint(name, 42)
        stored = self.client.get_checkpoint(name)
        self.assertEqual(stored.position, 42)
        self.assertLess(abs(stored.updated_at - datetime.now(timezone.utc)), timedelta(minutes=1))
        self.client.set_checkpoint(name, 43)
        self.assertEqual(self.client.get_checkpoint(name).position, 43)
        with self.assertRaises(AnnalsError) as caught:
            self.client.set_checkpoint("", 1)
        self.assertEqual((caught.exception.code, caught.exception.field), (grpc.StatusCode.INVALID_ARGUMENT, "name"))


if __name__ == "__main__":
    unittest.main()
