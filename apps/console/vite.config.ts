import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The console's production build: `vite build` (the Nx `build` target) writes
 * `dist/`, which the server serves under `/console/`. The workspace packages are
 * bundled from their TypeScript sources (export condition `@annals/source`, as
 * everywhere in the repository), so the build needs no other package built first.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  resolve: { conditions: ["@annals/source", "module", "browser", "development|production"] },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // One script, one stylesheet, under assets/ with a content hash: cached for good.
    assetsDir: "assets",
    modulePreload: { polyfill: false },
  },
});
