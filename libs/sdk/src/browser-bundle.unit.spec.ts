import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("./browser.ts", import.meta.url));

// The browser entry must bundle for browsers as it is: no Node module (node:http2,
// node:crypto, @connectrpc/connect-node) anywhere among the files it imports.
describe("the SDK's browser entry", () => {
  it("bundles for the browser platform without any Node module", async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "esm",
      conditions: ["@annals/source"],
      write: false,
      metafile: true,
      minify: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => /connect-node|session-manager|bank-client|node-client/.test(input))).toEqual([]);
    expect(inputs.some((input) => input.includes("connect-web"))).toBe(true);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/["']node:/);
  });

  it("while the Node entry does import Node's HTTP/2 transport", async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("./index.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "esm",
      conditions: ["@annals/source"],
      packages: "external",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((imported) => imported.path));
    expect(imports).toContain("@connectrpc/connect-node");
  });
});
