import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

// The dependency direction of docs/architecture.md, as lint enforces it: each probe is linted as if
// it were a file of the named project; nothing is written to disk.
describe("lint enforces the dependency direction", () => {
  let eslint: ESLint;
  beforeAll(async () => {
    // The rule reads Nx's cached project graph; a fresh clone has none until Nx computes it.
    await promisify(execFile)(`${root}node_modules/.bin/nx`, ["show", "projects"], { cwd: root });
    eslint = new ESLint({ cwd: root });
  });

  const messages = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
    return result!.messages.filter((message) => message.ruleId === "@nx/enforce-module-boundaries").map((message) => message.message);
  };

  it("keeps the bank domain free of storage, transport and the other libs", async () => {
    const found = await messages(
      "libs/bank/src/probe.ts",
      'import knex from "knex";\nimport { ConnectError } from "@connectrpc/connect";\nimport { openEventStore } from "@annals/store";\nexport const probe = [knex, ConnectError, openEventStore];\n',
    );
    expect(found).toHaveLength(3);
  });

  it("keeps the store free of gRPC", async () => {
    const found = await messages("libs/store/src/probe.ts", 'import { ConnectError } from "@connectrpc/connect";\nexport const probe = ConnectError;\n');
    expect(found.join("\n")).toContain("@connectrpc/connect");
  });

  it("keeps the SDK free of knex and of the store", async () => {
    const found = await messages(
      "libs/sdk/src/probe.ts",
      'import knex from "knex";\nimport { openEventStore } from "@annals/store";\nexport const probe = [knex, openEventStore];\n',
    );
    expect(found).toHaveLength(2);
  });

  it("keeps every domain out of the server and the store", async () => {
    const server = await messages(
      "apps/server/src/probe.ts",
      'import { decide } from "@annals/bank";\nimport { startBankService } from "@annals/bank-service";\nimport { createCommandHandler } from "@annals/toolkit";\nexport const probe = [decide, startBankService, createCommandHandler];\n',
    );
    expect(server).toHaveLength(3);
    const store = await messages("libs/store/src/probe.ts", 'import { decide } from "@annals/bank";\nexport const probe = decide;\n');
    expect(store).toHaveLength(1);
  });

  it("lets the bank service reach the event store only through the SDK", async () => {
    const found = await messages(
      "apps/bank/src/probe.ts",
      'import { openEventStore } from "@annals/store";\nimport { startServer } from "@annals/server";\nimport { createAnnalsClient } from "@annals/sdk";\nimport { createCommandHandler } from "@annals/toolkit";\nimport { decide } from "@annals/bank";\nexport const probe = [openEventStore, startServer, createAnnalsClient, createCommandHandler, decide];\n',
    );
    // The store and the server; the SDK, the toolkit and the domain pass.
    expect(found).toHaveLength(2);
  });

  it("keeps the toolkit on the SDK: no store, no server, no drivers", async () => {
    const found = await messages(
      "libs/toolkit/src/probe.ts",
      'import { openEventStore } from "@annals/store";\nimport pg from "pg";\nimport { createAnnalsClient } from "@annals/sdk";\nexport const probe = [openEventStore, pg, createAnnalsClient];\n',
    );
    expect(found).toHaveLength(2);
  });

  it("lets the server use the libs", async () => {
    const found = await messages(
      "apps/server/src/probe.ts",
      'import { openEventStore } from "@annals/store";\nimport { EventStore } from "@annals/protocol";\nexport const probe = [openEventStore, EventStore];\n',
    );
    expect(found).toEqual([]);
  });
});
