import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { create, createFileRegistry, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, file_google_protobuf_timestamp } from "@bufbuild/protobuf/wkt";
import { EventStore, file_annals_eventstore_v1_errors } from "@annals/protocol";
import { file_annals_bank_v1_events } from "@annals/protocol/bank";
import { SchemaFileError, createSchemaSet, readSchemaFiles } from "./schema-set.js";

const folder = mkdtempSync(join(tmpdir(), "annals-schemas-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const importing = (name: string, dependency: string[]) => create(FileDescriptorProtoSchema, { name, package: "test.v1", syntax: "proto3", dependency });

describe("the schema set", () => {
  it("holds the server's own files with their imports, then the registered ones, each after its imports", () => {
    const registered = [importing("test/b.proto", ["test/a.proto", "google/protobuf/timestamp.proto"]), importing("test/a.proto", [])];
    const set = createSchemaSet([EventStore.file, file_annals_eventstore_v1_errors], registered);
    const names = set.file.map((file) => file.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(["annals/eventstore/v1/event_store.proto", "annals/eventstore/v1/errors.proto", "google/protobuf/timestamp.proto", "test/a.proto", "test/b.proto"]));
    for (const [index, file] of set.file.entries()) {
      for (const dependency of file.dependency) expect(names.indexOf(dependency), `${file.name} after ${dependency}`).toBeLessThan(index);
    }
    expect(createFileRegistry(set).getMessage("annals.eventstore.v1.RecordedEvent")).toBeDefined();
  });

  it("keeps the server's own file when a registered one has its name", () => {
    const impostor = create(FileDescriptorProtoSchema, { name: "google/protobuf/timestamp.proto", package: "not.google" });
    const set = createSchemaSet([EventStore.file], [impostor]);
    expect(set.file.filter((file) => file.name === "google/protobuf/timestamp.proto")).toEqual([file_google_protobuf_timestamp.proto]);
  });

  it("refuses a registered file whose import no file holds, naming both", () => {
    expect(() => createSchemaSet([], [importing("test/c.proto", ["test/missing.proto"])])).toThrow(
      new SchemaFileError("schemas: test/c.proto imports test/missing.proto, which no schemas file holds (build them with their imports: buf build -o)"),
    );
  });
});

describe("reading schemas files", () => {
  it("reads FileDescriptorSet files", () => {
    const path = join(folder, "bank.binpb");
    writeFileSync(path, toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: [file_annals_bank_v1_events.proto] })));
    expect(readSchemaFiles([path]).map((file) => file.name)).toEqual(["annals/bank/v1/events.proto"]);
  });

  it("says which file cannot be read or holds no protobuf file", () => {
    expect(() => readSchemaFiles([join(folder, "absent.binpb")])).toThrow(/^schemas file .*absent\.binpb: ENOENT/);
    const empty = join(folder, "empty.binpb");
    writeFileSync(empty, "");
    expect(() => readSchemaFiles([empty])).toThrow(/empty\.binpb: holds no protobuf file/);
    const garbage = join(folder, "garbage.binpb");
    writeFileSync(garbage, Buffer.from([0xff, 0xff, 0xff]));
    expect(() => readSchemaFiles([garbage])).toThrow(SchemaFileError);
  });
});
