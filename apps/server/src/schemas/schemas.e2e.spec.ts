import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { create, createFileRegistry, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { createAnnalsClient } from "@annals/sdk";
import { MoneyDepositedSchema } from "@annals/protocol/bank";
import { runServerEntry, startServerProcess } from "../testing/server-process.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

describe("schemas a deployment registers (setting `schemas`)", () => {
  const folder = mkdtempSync(join(tmpdir(), "annals-schemas-e2e-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("GetSchemas describes them with the server's own types, and a client decodes events with them", async () => {
    // What the README tells a deployment to do: buf build, then --schemas.
    const schemas = join(folder, "bank.binpb");
    execFileSync(join(root, "node_modules/.bin/buf"), ["build", "--path", "proto/annals/bank/v1/events.proto", "-o", schemas], { cwd: root });
    const server = await startServerProcess(["--port", "0", "--db", join(folder, "annals.db"), "--schemas", schemas]);
    const client = createAnnalsClient({ baseUrl: server.url });
    try {
      const set = await client.getSchemas();
      const registry = createFileRegistry(set);
      expect(registry.getMessage("annals.eventstore.v1.RecordedEvent")).toBeDefined();
      const deposited = registry.getMessage("annals.bank.v1.MoneyDeposited")!;
      expect(deposited).toBeDefined();
      await client.appendToStream("account-schemas", [{ type: deposited.typeName, data: toBinary(MoneyDepositedSchema, create(MoneyDepositedSchema, { accountId: "A-1", amount: "12.50" })) }]);
      const decoded = [];
      for await (const event of client.readStream("account-schemas")) decoded.push(toJson(deposited, fromBinary(deposited, event.data)));
      expect(decoded).toEqual([{ accountId: "A-1", amount: "12.50" }]);
    } finally {
      client.close();
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });

  it("a schemas file that cannot be used stops the start with one line naming it", async () => {
    const garbage = join(folder, "garbage.binpb");
    writeFileSync(garbage, "not a descriptor set");
    const result = await runServerEntry(["--port", "0", "--db", join(folder, "never.db"), "--schemas", garbage]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^annals: cannot start: schemas file ${garbage.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .+\\n$`));
  });
});
