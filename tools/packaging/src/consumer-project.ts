import { execFile } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository's root folder. */
export const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The environment of someone working outside this repository: without the
 * source condition the tests run under (NODE_OPTIONS) and without the npm_*
 * variables of the `npm test` around them.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === "NODE_OPTIONS" || name.startsWith("npm_")) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

export interface Tarball {
  name: string;
  path: string;
  bytes: number;
  /** Files in the tarball. */
  files: number;
}

/** `npm pack` of workspace packages (their `prepack` builds them first, through Nx's cache). */
export async function pack(workspaces: readonly string[], destination: string): Promise<Tarball[]> {
  mkdirSync(destination, { recursive: true });
  await run("npm", ["pack", ...workspaces.map((workspace) => `--workspace=${workspace}`), "--pack-destination", destination], {
    cwd: root,
    env: userEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  const tarballs: Tarball[] = [];
  for (const name of readdirSync(destination).filter((file) => file.endsWith(".tgz"))) {
    const path = join(destination, name);
    const { stdout } = await run("tar", ["-tzf", path]);
    tarballs.push({ name, path, bytes: statSync(path).size, files: stdout.trim().split("\n").length });
  }
  return tarballs;
}

/** The version of a dependency the repository pins, so that an install finds it in npm's cache. */
export function pinnedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<"dependencies" | "devDependencies", Record<string, string>>;
  const version = manifest.dependencies[name] ?? manifest.devDependencies[name];
  if (!version) throw new Error(`${name} is not a dependency of the repository`);
  return version;
}

/**
 * A new npm project under the system's temporary folder (outside the
 * workspace), with `packages` installed by `npm install` (tarballs, and their
 * dependencies from npm's cache or the registry): no workspace link, no tsx.
 */
export async function createConsumerProject(packages: readonly string[]): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), "annals-consumer-"));
  writeFileSync(join(folder, "package.json"), JSON.stringify({ name: "annals-consumer", private: true, type: "module" }, null, 2));
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...packages], {
    cwd: folder,
    env: userEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  return folder;
}

/** Where an installed package lives; throws when it is a link (into the workspace or anywhere). */
export function installedPackage(project: string, name: string): string {
  const path = join(project, "node_modules", name);
  if (lstatSync(path).isSymbolicLink()) throw new Error(`${name} is a link to ${realpathSync(path)}, not an installed copy`);
  return path;
}
