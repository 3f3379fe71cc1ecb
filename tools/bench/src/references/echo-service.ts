import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { GenService } from "@bufbuild/protobuf/codegenv2";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { AppendRequestSchema, EventStore } from "@annals/protocol";

/**
 * `annals.bench.v1.Echo/Echo`: answers the `AppendRequest` it was sent, so the
 * transport reference decodes and encodes the very message an append carries.
 * Described at run time: it exists only for the benchmarks, not on the wire API.
 */
export const echoPath = "/annals.bench.v1.Echo/Echo";

export type EchoService = GenService<{
  echo: { methodKind: "unary"; input: typeof AppendRequestSchema; output: typeof AppendRequestSchema };
}>;

export function echoService(): EchoService {
  const dependency = EventStore.file;
  const file = create(FileDescriptorProtoSchema, {
    name: "annals/bench/v1/echo.proto",
    package: "annals.bench.v1",
    syntax: "proto3",
    dependency: [dependency.proto.name],
    service: [
      {
        name: "Echo",
        method: [{ name: "Echo", inputType: `.${AppendRequestSchema.typeName}`, outputType: `.${AppendRequestSchema.typeName}` }],
      },
    ],
  });
  const service = createFileRegistry(file, (name) => (name === dependency.proto.name ? dependency : undefined)).getService("annals.bench.v1.Echo");
  if (!service) throw new Error("the echo service did not build");
  return service as EchoService;
}
