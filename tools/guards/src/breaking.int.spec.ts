import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buf = join(root, "node_modules/.bin/buf");
const baseline = join(root, "proto/baseline.binpb");
const run = promisify(execFile);

async function breaking(workspace: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(buf, ["breaking", "--against", baseline], { cwd: workspace });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

// The committed baseline (npm run baseline) is the released schema: events stored
// today must stay decodable, so `buf breaking` must refuse edits that break the wire.
describe("buf breaking against the committed baseline", () => {
  let workspace: string;
  const eventProto = () => join(workspace, "proto/annals/eventstore/v1/event.proto");
  let original: string;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), "annals-breaking-"));
    cpSync(join(root, "proto"), join(workspace, "proto"), { recursive: true });
    cpSync(join(root, "buf.yaml"), join(workspace, "buf.yaml"));
    original = readFileSync(eventProto(), "utf8");
  });
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  it("accepts the schema as it is", async () => {
    writeFileSync(eventProto(), original);
    expect(await breaking(workspace)).toMatchObject({ code: 0 });
  });

  it("accepts an added field", async () => {
    writeFileSync(eventProto(), original.replace("map<string, string> metadata = 5;\n}", "map<string, string> metadata = 5;\n  string schema_version = 6;\n}"));
    expect((await breaking(workspace)).code).toBe(0);
  });

  it("refuses a renumbered field", async () => {
    const edited = original.replace("string type = 2;", "string type = 12;");
    expect(edited).not.toBe(original);
    writeFileSync(eventProto(), edited);
    const result = await breaking(workspace);
    expect(result.code).toBe(100);
    expect(result.output).toMatch(/FIELD_NO_DELETE|FIELD_SAME_NUMBER|deleted/i);
  });

  it("refuses a changed field type", async () => {
    writeFileSync(eventProto(), original.replace("bytes data = 3;", "string data = 3;"));
    const result = await breaking(workspace);
    expect(result.code).toBe(100);
    expect(result.output).toContain(`changed type from "bytes" to "string"`);
  });
});
