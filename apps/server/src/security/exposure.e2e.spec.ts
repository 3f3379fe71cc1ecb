import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runServerEntry, startServerProcess, type ServerProcess } from "../testing/server-process.js";
import { createTestCredentials } from "../testing/credentials.js";

describe("secure by default", () => {
  const folders: string[] = [];
  const processes: ServerProcess[] = [];
  const database = () => {
    const folder = mkdtempSync(join(tmpdir(), "annals-exposure-"));
    folders.push(folder);
    return join(folder, "annals.db");
  };
  afterEach(() => {
    for (const server of processes.splice(0)) server.child.kill("SIGKILL");
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it("refuses to listen beyond loopback without authentication: exit 2, one line, nothing created", async () => {
    const db = database();
    for (const [args, env] of [
      [["--host", "0.0.0.0", "--port", "0", "--db", db], {}],
      [["--port", "0", "--db", db], { ANNALS_HOST: "0.0.0.0" }],
    ] as const) {
      const result = await runServerEntry([...args], { ...env });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^annals: refusing to listen on 0\.0\.0\.0 without authentication: .*--insecure$/)]);
    }
    expect(existsSync(db)).toBe(false);
  });

  it("says in its ready line that it serves loopback only; --insecure starts with a warning", async () => {
    const local = await startServerProcess(["--port", "0", "--db", database()]);
    processes.push(local);
    expect(local.lines.join("\n")).toContain("(loopback only, no authentication)");
    const open = await startServerProcess(["--host", "0.0.0.0", "--insecure", "--port", "0", "--db", database()]);
    processes.push(open);
    const entries = open.lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(entries).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining("INSECURE: listening on 0.0.0.0 without authentication") }));
    expect(entries.find((entry) => entry.msg.startsWith("annals listening"))?.msg).toContain("(no authentication (--insecure))");
  });

  it("listens beyond loopback once authentication is configured", async () => {
    const credentials = await createTestCredentials({ ops: { grants: { admin: true } } });
    try {
      const server = await startServerProcess(["--host", "0.0.0.0", "--port", "0", "--db", database(), "--api-keys", credentials.apiKeysFile]);
      processes.push(server);
      expect(server.lines.join("\n")).toContain("(authentication: api-key)");
      const refused = await fetch(`${server.url}/annals.eventstore.v1.EventStore/GetStream`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"stream":"a"}' });
      expect(refused.status).toBe(401);
      const answered = await fetch(`${server.url}/annals.eventstore.v1.EventStore/GetStream`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${credentials.apiKey("ops")}` },
        body: '{"stream":"a"}',
      });
      expect(await answered.json()).toMatchObject({ exists: false });
    } finally {
      credentials.remove();
    }
  });
});
