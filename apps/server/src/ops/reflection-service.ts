import { Code, type ServiceImpl } from "@connectrpc/connect";
import {
  type ServerReflection,
  type ServerReflectionRequest,
  type ServerReflectionRequestV1Alpha,
  type ServerReflectionV1Alpha,
} from "@annals/protocol/grpc";
import { serializeWithDependencies, type DescriptorIndex } from "./descriptor-index.js";

/** A response's `message_response`, as plain data that fits v1 and v1alpha alike. */
type Answer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: Array<{ name: string }> } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };
type Request = ServerReflectionRequest | ServerReflectionRequestV1Alpha;

function error(code: Code, message: string): Answer {
  return { case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}

/** Answers one reflection request. v1 and v1alpha carry the same fields. */
export function answerReflection(index: DescriptorIndex, request: Request): Answer {
  const query = request.messageRequest;
  switch (query.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename": {
      const file = index.fileByName(query.value);
      if (!file) return error(Code.NotFound, `file not found: ${query.value}`);
      return { case: "fileDescriptorResponse", value: { fileDescriptorProto: serializeWithDependencies(file) } };
    }
    case "fileContainingSymbol": {
      const file = index.fileContainingSymbol(query.value);
      if (!file) return error(Code.NotFound, `symbol not found: ${query.value}`);
      return { case: "fileDescriptorResponse", value: { fileDescriptorProto: serializeWithDependencies(file) } };
    }
    case "fileContainingExtension":
      return error(Code.NotFound, `no extension ${query.value.extensionNumber} of ${query.value.containingType}`);
    case "allExtensionNumbersOfType":
      // None of the served files declares extensions.
      if (!index.hasMessage(query.value)) return error(Code.NotFound, `type not found: ${query.value}`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: query.value, extensionNumber: [] } };
    case undefined:
      return error(Code.InvalidArgument, "empty reflection request");
  }
}

/** grpc.reflection.v1.ServerReflection over `index()` (read on every request, so it sees every registered service). */
export function createReflectionService(index: () => DescriptorIndex): ServiceImpl<typeof ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield { validHost: request.host, originalRequest: request, messageResponse: answerReflection(index(), request) };
      }
    },
  };
}

/** grpc.reflection.v1alpha.ServerReflection: the same answers under the older names. */
export function createReflectionServiceV1Alpha(index: () => DescriptorIndex): ServiceImpl<typeof ServerReflectionV1Alpha> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield { validHost: request.host, originalRequest: request, messageResponse: answerReflection(index(), request) };
      }
    },
  };
}
