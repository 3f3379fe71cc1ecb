import { readFileSync } from "node:fs";
import { create, createFileRegistry, fromBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorProto, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";

/** A schema file the deployment registered cannot be read or does not hold a complete set. */
export class SchemaFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SchemaFileError";
  }
}

/**
 * Reads FileDescriptorSet files, as `buf build -o schemas.binpb` or
 * `protoc --include_imports --descriptor_set_out=schemas.binpb` write them.
 */
export function readSchemaFiles(paths: readonly string[]): FileDescriptorProto[] {
  const files: FileDescriptorProto[] = [];
  for (const path of paths) {
    let set: FileDescriptorSet;
    try {
      set = fromBinary(FileDescriptorSetSchema, readFileSync(path));
    } catch (error) {
      throw new SchemaFileError(`schemas file ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (set.file.length === 0) throw new SchemaFileError(`schemas file ${path}: holds no protobuf file (is it a FileDescriptorSet, e.g. from buf build -o?)`);
    files.push(...set.file);
  }
  return files;
}

/** `file` and its transitive imports, each as its FileDescriptorProto. */
function withImports(file: DescFile, into: Map<string, FileDescriptorProto>): void {
  if (into.has(file.proto.name)) return;
  into.set(file.proto.name, file.proto);
  for (const dependency of file.dependencies) withImports(dependency, into);
}

/**
 * One FileDescriptorSet of the server's own files (with their imports) and the
 * registered ones: every file once (a registered file named like one of the
 * server's is left out: the server's own is what it speaks), each after the files
 * it imports, so that `createFileRegistry(set)` takes it as it is. Throws
 * `SchemaFileError` when a registered file imports one that is in neither.
 */
export function createSchemaSet(own: readonly DescFile[], registered: readonly FileDescriptorProto[]): FileDescriptorSet {
  const byName = new Map<string, FileDescriptorProto>();
  for (const file of own) withImports(file, byName);
  for (const file of registered) if (!byName.has(file.name)) byName.set(file.name, file);

  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (file: FileDescriptorProto) => {
    if (placed.has(file.name)) return;
    if (visiting.has(file.name)) throw new SchemaFileError(`schemas: ${file.name} imports itself through ${[...visiting].join(" → ")}`);
    visiting.add(file.name);
    for (const name of file.dependency) {
      const dependency = byName.get(name);
      if (!dependency) throw new SchemaFileError(`schemas: ${file.name} imports ${name}, which no schemas file holds (build them with their imports: buf build -o)`);
      place(dependency);
    }
    visiting.delete(file.name);
    placed.add(file.name);
    ordered.push(file);
  };
  for (const file of byName.values()) place(file);

  const set = create(FileDescriptorSetSchema, { file: ordered });
  try {
    createFileRegistry(set);
  } catch (error) {
    throw new SchemaFileError(`schemas: ${(error as Error).message}`, { cause: error });
  }
  return set;
}
