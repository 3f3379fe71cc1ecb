import { defineConfig } from "vitest/config";

// Tests run the workspace packages from their TypeScript sources: the export
// condition `@annals/source` (README, "Development") comes first, then Vite's
// defaults. Processes the tests start (tsx, the CLI) inherit it through NODE_OPTIONS.
const sourceCondition = "@annals/source";

export default defineConfig({
  resolve: { conditions: [sourceCondition, "module", "browser", "development|production"] },
  ssr: { resolve: { conditions: [sourceCondition, "module", "node", "development|production"] } },
  test: {
    include: ["apps/*/src/**/*.spec.ts", "libs/*/src/**/*.spec.ts", "tools/*/src/**/*.spec.ts"],
    env: { NODE_OPTIONS: [process.env.NODE_OPTIONS, `--conditions=${sourceCondition}`].filter(Boolean).join(" ") },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
