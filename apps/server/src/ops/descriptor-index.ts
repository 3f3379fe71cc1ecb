import { toBinary, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/** The protobuf files a server exposes through reflection, by name and by symbol. */
export interface DescriptorIndex {
  /** Full names of the services, in registration order. */
  readonly serviceNames: readonly string[];
  /** The file with this name (`annals/eventstore/v1/event.proto`). */
  fileByName(name: string): DescFile | undefined;
  /** The file declaring a fully-qualified message, enum, service, method or extension. */
  fileContainingSymbol(symbol: string): DescFile | undefined;
  /** True when a message type of this full name is known. */
  hasMessage(typeName: string): boolean;
}

/** `file` then its transitive imports, each once, as serialized FileDescriptorProtos. */
export function serializeWithDependencies(file: DescFile): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  const visit = (current: DescFile) => {
    if (seen.has(current.proto.name)) return;
    seen.add(current.proto.name);
    out.push(toBinary(FileDescriptorProtoSchema, current.proto));
    for (const dependency of current.dependencies) visit(dependency);
  };
  visit(file);
  return out;
}

/**
 * Indexes the files of `services` (and `extraFiles`, e.g. event or error-detail
 * types no service imports) with their transitive imports. The descriptors are the
 * generated code's own, so reflection always tells what the server really speaks.
 */
export function createDescriptorIndex(services: readonly DescService[], extraFiles: readonly DescFile[] = []): DescriptorIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const messages = new Set<string>();

  const addMessage = (message: DescMessage, file: DescFile) => {
    symbols.set(message.typeName, file);
    messages.add(message.typeName);
    for (const nested of message.nestedMessages) addMessage(nested, file);
    for (const nested of message.nestedEnums) symbols.set(nested.typeName, file);
    for (const extension of message.nestedExtensions) symbols.set(extension.typeName, file);
  };
  const addFile = (file: DescFile) => {
    // `DescFile.name` drops the ".proto" suffix; reflection asks by the full path.
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const message of file.messages) addMessage(message, file);
    for (const descEnum of file.enums) symbols.set(descEnum.typeName, file);
    for (const extension of file.extensions) symbols.set(extension.typeName, file);
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
    for (const dependency of file.dependencies) addFile(dependency);
  };
  for (const service of services) addFile(service.file);
  for (const file of extraFiles) addFile(file);

  return {
    serviceNames: [...new Set(services.map((service) => service.typeName))],
    fileByName: (name) => files.get(name),
    fileContainingSymbol: (symbol) => symbols.get(symbol.startsWith(".") ? symbol.slice(1) : symbol),
    hasMessage: (typeName) => messages.has(typeName),
  };
}
