import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

/**
 * One method of a plain @grpc/grpc-js client (`makeGenericClientConstructor`): no
 * Connect code at all, only protobuf-es for the bytes. `service` is the full
 * service name, e.g. `annals.eventstore.v1.EventStore`.
 */
export function grpcJsMethod<I extends DescMessage, O extends DescMessage>(service: string, name: string, input: I, output: O, responseStream = false) {
  return {
    path: `/${service}/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: (message: MessageShape<I>) => Buffer.from(toBinary(input, message)),
    requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
    responseSerialize: (message: MessageShape<O>) => Buffer.from(toBinary(output, message)),
    responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
  };
}
