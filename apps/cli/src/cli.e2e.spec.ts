import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnalsClient } from "@annals/sdk";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { createProgram } from "./program.js";
import { annals, annalsLive, ndjson, until } from "./testing/run-cli.js";

describe("the annals CLI against a real server", () => {
  let test: TestServer;
  let folder: string;
  beforeAll(async () => {
    test = await startTestServer();
    folder = mkdtempSync(join(tmpdir(), "annals-cli-"));
  });
  afterAll(async () => {
    await test.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("has --help on every command, and exits 2 with one line on a usage error", async () => {
    const help = await annals(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["serve", "append", "read", "tail", "streams", "export", "import"]) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    const importHelp = await annals(["import", "--help"]);
    expect(importHelp).toMatchObject({ code: 0, stdout: expect.stringContaining("Usage: annals import [options]") });
    // Every command's own help, without a process each.
    for (const command of createProgram().commands) {
      expect(command.helpInformation()).toContain(`Usage: annals ${command.name()}`);
      expect(command.helpInformation()).toContain("-h, --help");
    }
    for (const args of [["nope"], ["read"], ["append", "x", "--expected-revision", "soon"]]) {
      const usage = await annals(args, { url: test.url });
      expect(usage.code, args.join(" ")).toBe(2);
      expect(usage.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(usage.stderr).toMatch(/^annals: /);
    }
  });

  it("appends JSON events (known protobuf types as protobuf), reads them as a table or NDJSON, and exits 1 on a conflict", async () => {
    const stream = `account-${randomUUID()}`;
    const file = join(folder, "events.json");
    writeFileSync(
      file,
      JSON.stringify([
        { type: "annals.bank.v1.AccountOpened", json: { accountId: stream, initialBalance: "100.00" }, metadata: { actor: "ada" } },
        { type: "annals.bank.v1.MoneyDeposited", json: { accountId: stream, amount: "25.50" } },
      ]),
    );
    const appended = await annals(["append", stream, "--file", file, "--expected-revision", "no_stream"], { url: test.url });
    expect(appended).toMatchObject({ code: 0, stderr: "" });
    expect(appended.stdout).toMatch(new RegExp(`^appended 2 events to ${stream}: revision 1, position \\d+\\n$`));

    const piped = await annals(["append", stream, "-e", "1"], {
      url: test.url,
      input: '{"type":"note.Taken","json":{"text":"hi"}}\n{"type":"blob.Stored","data":"AAEC"}\n',
    });
    expect(piped.stdout).toContain("appended 2 events");

    const table = await annals(["read", stream], { url: test.url });
    expect(table.code).toBe(0);
    const rows = table.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^POSITION +STREAM +REVISION +TYPE +RECORDED +DATA$/);
    expect(rows[1]).toContain('annals.bank.v1.AccountOpened');
    expect(rows[1]).toContain(`{"accountId":"${stream}","initialBalance":"100.00"}`);
    expect(rows[4]).toContain("(3 bytes application/protobuf)");

    const json = ndjson((await annals(["read", stream, "--json", "--backwards", "--limit", "3"], { url: test.url })).stdout);
    expect(json.map((event) => event["revision"])).toEqual([3, 2, 1]);
    expect(json[1]).toMatchObject({ type: "note.Taken", contentType: "application/json", json: { text: "hi" } });
    expect(json[2]).toMatchObject({ type: "annals.bank.v1.MoneyDeposited", contentType: "application/protobuf", json: { amount: "25.50" } });
    const fromRevision = ndjson((await annals(["read", stream, "--json", "--from", "3"], { url: test.url })).stdout);
    expect(fromRevision).toEqual([expect.objectContaining({ revision: 3, data: "AAEC" })]);
    const all = ndjson((await annals(["read", "$all", "--json", "--backwards", "--limit", "1"], { url: test.url })).stdout);
    expect(all).toEqual([expect.objectContaining({ stream, revision: 3 })]);

    const conflict = await annals(["append", stream, "--expected-revision", "0"], { url: test.url, input: '{"type":"x.Y","data":""}' });
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toBe(`annals: stream ${stream}: expected revision 0, but its last revision is 3\n`);
    const badEvent = await annals(["append", stream], { url: test.url, input: '{"type":"annals.bank.v1.MoneyDeposited","json":{"amount":5}}' });
    expect(badEvent.code).toBe(2);
    expect(badEvent.stderr).toMatch(/^annals: stdin event 1: not a valid annals.bank.v1.MoneyDeposited/);
    const unreachable = await annals(["read", stream], { url: "http://127.0.0.1:1" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^annals: cannot reach the server at http:\/\/127.0.0.1:1: .*ECONNREFUSED.*\n$/);
  });

  it("lists streams with their counts, by prefix", async () => {
    const prefix = `listed-${randomUUID().slice(0, 8)}-`;
    const client = createAnnalsClient({ baseUrl: test.url });
    for (const [name, count] of [["b", 3], ["a", 1], ["c", 2]] as const) {
      await client.appendToStream(`${prefix}${name}`, Array.from({ length: count }, () => ({ type: "test.Listed", data: new Uint8Array() })));
    }
    client.close();
    const table = await annals(["streams", "--prefix", prefix], { url: test.url });
    expect(table.code).toBe(0);
    expect(table.stdout.trim().split("\n").map((line) => line.split(/ +/).slice(0, 2))).toEqual([
      ["STREAM", "EVENTS"],
      [`${prefix}a`, "1"],
      [`${prefix}b`, "3"],
      [`${prefix}c`, "2"],
    ]);
    const json = ndjson((await annals(["streams", "--prefix", prefix, "--json", "--limit", "2"], { url: test.url })).stdout);
    expect(json).toEqual([
      { stream: `${prefix}a`, events: 1, lastRevision: 0, lastPosition: expect.any(Number) },
      { stream: `${prefix}b`, events: 3, lastRevision: 2, lastPosition: expect.any(Number) },
    ]);
  });

  it("exports NDJSON and imports it into another server, resumably and never twice", async () => {
    const client = createAnnalsClient({ baseUrl: test.url });
    const streams = [`exported-a-${randomUUID()}`, `exported-b-${randomUUID()}`];
    for (let round = 0; round < 3; round += 1) {
      for (const stream of streams) {
        await client.appendToStream(stream, Array.from({ length: 4 }, (_, index) => ({ type: "test.Exported", data: new Uint8Array([round, index]) })));
      }
    }
    client.close();
    const whole = join(folder, "whole.ndjson");
    const exported = await annals(["export", "--out", whole, "--progress"], { url: test.url });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/events\/s/);
    expect(exported.stderr).toMatch(/ETA/);
    expect(exported.stderr).toMatch(/exported \d+ events to /);
    const records = ndjson(readFileSync(whole, "utf8"));
    expect(records.map((record) => record["position"])).toEqual(records.map((_, index) => index + 1));
    const oneStream = ndjson((await annals(["export", "--stream", streams[0]!], { url: test.url })).stdout);
    expect(oneStream.map((record) => record["revision"])).toEqual(Array.from({ length: 12 }, (_, index) => index));

    const target = await startTestServer();
    try {
      // A first run that stopped half way: only the first 20 lines made it.
      const lines = readFileSync(whole, "utf8").trim().split("\n");
      const half = join(folder, "half.ndjson");
      writeFileSync(half, `${lines.slice(0, 20).join("\n")}\n`);
      expect((await annals(["import", "--in", half, "--batch-size", "3"], { url: target.url })).code).toBe(0);

      const resumed = await annals(["import", "--in", whole, "--batch-size", "7", "--progress"], { url: target.url });
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).toMatch(/events\/s/);
      expect(resumed.stderr).toContain(`imported ${records.length - 20} events into`);
      expect(resumed.stderr).toContain("(20 already present)");
      const again = await annals(["import"], { url: target.url, input: readFileSync(whole, "utf8") });
      expect(again.stderr).toContain(`imported 0 events into`);
      expect(again.stderr).toContain(`(${records.length} already present)`);

      // Positions and commit times are assigned anew; each stream's history is the same.
      const copied = ndjson((await annals(["export"], { url: target.url })).stdout);
      const histories = (list: Array<Record<string, unknown>>) =>
        list
          .map((record): Record<string, unknown> => ({ ...record, position: undefined, recordedAt: undefined }))
          .sort((a, b) => String(a["stream"]).localeCompare(String(b["stream"])) || Number(a["revision"]) - Number(b["revision"]));
      expect(histories(copied)).toEqual(histories(records));

      // Another history under the same stream name is refused, and nothing of it is stored.
      const other = records.filter((record) => record["stream"] === streams[1]).map((record) => ({ ...record, id: randomUUID() }));
      const clash = await annals(["import"], { url: target.url, input: other.map((record) => JSON.stringify(record)).join("\n") });
      expect(clash.code).toBe(1);
      expect(clash.stderr).toMatch(new RegExp(`^annals: stdin line 1: stream ${streams[1]} ends at revision 11, which does not fit revisions 0\\.\\.\\d+ of the input`));
      const gap = await annals(["import"], { url: target.url, input: [lines[0], lines[2]].join("\n") });
      expect(gap.code).toBe(2);
    } finally {
      await target.stop();
    }
  });

  it("tails new events live, stops after --limit, and exits 0 on Ctrl-C", async () => {
    const stream = `tailed-${randomUUID()}`;
    const client = createAnnalsClient({ baseUrl: test.url });
    const before = await client.appendToStream(stream, [{ type: "test.Before", data: new Uint8Array() }]);
    // Explicit starting points: the tails show the same events however long they take to start.
    const limited = annalsLive(["tail", stream, "--from", "1", "--json", "--limit", "2"], { url: test.url });
    const all = annalsLive(["tail", "$all", "--from", String(before.position + 1n)], { url: test.url });
    await client.appendToStream(stream, [{ type: "test.Live", data: new Uint8Array([1]) }]);
    await client.appendToStream(stream, [{ type: "test.Live", data: new Uint8Array([2]) }]);
    client.close();
    expect(await limited.exited).toBe(0);
    expect(limited.lines.map((line) => JSON.parse(line) as Record<string, unknown>).map((event) => [event["type"], event["revision"]])).toEqual([
      ["test.Live", 1],
      ["test.Live", 2],
    ]);
    await until(() => all.lines.filter((line) => line.includes("test.Live")).length === 2, "the $all tail to show both events");
    expect(all.lines[0]).toMatch(/^POSITION +STREAM/);
    all.child.kill("SIGINT");
    expect(await all.exited).toBe(0);
  });

  it("serves with every server setting, refuses a bad one with exit 2, and stops on SIGTERM with exit 0", async () => {
    const bad = await annals(["serve", "--port", "abc"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('annals: port (from --port): "abc" is not an integer\n');
    const server = annalsLive(["serve", "--port", "0", "--host", "127.0.0.1", "--db", join(folder, "served.db"), "--log-format", "json", "--metrics", "false"]);
    await until(() => server.lines.some((line) => line.includes('"url"')), "the ready line");
    const { url } = JSON.parse(server.lines.find((line) => line.includes('"url"'))!) as { url: string };
    const streams = await annals(["streams"], { url });
    expect(streams).toMatchObject({ code: 0, stdout: "STREAM  EVENTS  LAST REVISION  LAST POSITION\n" });
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });
});
