"""The event store's RPCs as gRPC callables, one per method of `annals.eventstore.v1.EventStore`.

Built from the service descriptor in the generated `event_store_pb2`: each method's path,
kind (unary or server streaming) and message classes come from the proto itself, so a
method added to the service is here once `npm run generate` has run. A client only:
serving the protocol is the Annals server's work, so no servicer base class exists here.
"""

from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from .eventstore.v1 import event_store_pb2

SERVICE: ServiceDescriptor = event_store_pb2.DESCRIPTOR.services_by_name["EventStore"]


def _message_class(method: MethodDescriptor, descriptor: Any) -> Any:
    # Every request and response of the service is a top-level message of event_store.proto.
    if descriptor.file is not event_store_pb2.DESCRIPTOR or descriptor.containing_type is not None:
        raise TypeError(f"{method.full_name}: {descriptor.full_name} is not a top-level message of {event_store_pb2.DESCRIPTOR.name}")
    return getattr(event_store_pb2, descriptor.name)


def _callable(channel: grpc.Channel, method: MethodDescriptor) -> Any:
    if method.client_streaming:
        raise TypeError(f"{method.full_name}: client streaming is not part of the protocol")
    request = _message_class(method, method.input_type)
    response = _message_class(method, method.output_type)
    path = f"/{SERVICE.full_name}/{method.name}"
    kind = channel.unary_stream if method.server_streaming else channel.unary_unary
    return kind(path, request_serializer=request.SerializeToString, response_deserializer=response.FromString)


class EventStoreStub:
    """`stub.Append(request)`, `stub.ReadStream(request)`, ...: every RPC of the service,
    named as in the proto, taking and returning the generated messages (`event_store_pb2`)."""

    def __init__(self, channel: grpc.Channel) -> None:
        for method in SERVICE.methods:
            setattr(self, method.name, _callable(channel, method))

    def __getattr__(self, name: str) -> Any:
        # Only reached for a name no method set: say which ones exist.
        raise AttributeError(f"{SERVICE.full_name} has no method {name!r}; it has {', '.join(method.name for method in SERVICE.methods)}")
