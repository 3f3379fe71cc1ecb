import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const demo = fileURLToPath(new URL("./demo.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));

describe("npm run demo", () => {
  it("prints the seed's figures over gRPC and exits 0", async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(tsx, [demo], { stdio: ["ignore", "pipe", "pipe"] });
      child.once("error", (error) => resolve({ code: -1, stdout: String(error) }));
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.once("exit", (exitCode) => {
        clearTimeout(timer);
        resolve({ code: exitCode, stdout: output });
      });
    });
    expect(stdout).toContain("Account balance: $125.00");
    expect(stdout).toContain("Version: 3");
    expect(stdout).toMatch(/MoneyWithdrawn +- v3/);
    expect(stdout).toContain("Balance at v2: $150.00");
    expect(stdout).toContain("Refused: FAILED_PRECONDITION (9): insufficient funds on account ACC-001: balance 125.00, amount 1000.00");
    expect(stdout).toContain("Every figure matches the seed.");
    expect(code).toBe(0);
  });
});
