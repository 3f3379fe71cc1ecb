import nx from "@nx/eslint-plugin";
import tseslint from "typescript-eslint";

/**
 * Lint, and the dependency direction of docs/architecture.md enforced through Nx tags:
 * apps → libs; sdk → protocol; toolkit → sdk; store knows nothing of gRPC; the
 * bank domain knows nothing of storage or transport; the server and the store
 * know no domain; the bank service reaches the event store only through the SDK;
 * protocol depends on nothing but @bufbuild/protobuf.
 */
export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/gen/**", "**/dist/**", ".nx/**", "data/**", "tools/bench/results/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx", "**/*.js"],
    plugins: { "@nx": nx },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@nx/enforce-module-boundaries": [
        "error",
        {
          allow: [],
          depConstraints: [
            {
              sourceTag: "type:protocol",
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: ["knex", "pg", "better-sqlite3", "sqlite3", "@connectrpc/*", "@grpc/*", "decimal.js"],
            },
            {
              sourceTag: "type:domain",
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: ["knex", "pg", "better-sqlite3", "sqlite3", "@connectrpc/*", "@grpc/*", "@bufbuild/*", "node:*", "fs", "http", "http2", "net"],
            },
            {
              sourceTag: "type:data",
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: ["@connectrpc/*", "@grpc/*", "@bufbuild/*"],
            },
            {
              sourceTag: "type:client",
              onlyDependOnLibsWithTags: ["type:protocol"],
              bannedExternalImports: ["knex", "pg", "better-sqlite3", "sqlite3"],
            },
            {
              sourceTag: "type:toolkit",
              onlyDependOnLibsWithTags: ["type:client", "type:protocol"],
              bannedExternalImports: ["pg", "better-sqlite3", "sqlite3", "@connectrpc/connect-node", "@grpc/*"],
            },
            // The web console: the SDK (its browser entry), nothing of the store or the server
            // (its test proves the bundle imports no Node module).
            {
              sourceTag: "type:web",
              onlyDependOnLibsWithTags: ["type:client", "type:protocol"],
              bannedExternalImports: ["knex", "pg", "better-sqlite3", "sqlite3", "@connectrpc/connect-node", "@grpc/*"],
            },
            // The event store's apps (server, CLI) know no domain.
            { sourceTag: "type:app", onlyDependOnLibsWithTags: ["type:protocol", "type:data", "type:client", "type:app"] },
            // A domain service: its domain, the SDK and the toolkit; never the store or the server.
            {
              sourceTag: "type:service",
              onlyDependOnLibsWithTags: ["type:protocol", "type:domain", "type:client", "type:toolkit"],
              bannedExternalImports: ["pg", "better-sqlite3", "sqlite3"],
            },
            { sourceTag: "scope:tools", onlyDependOnLibsWithTags: ["*"] },
          ],
        },
      ],
    },
  },
  {
    // Test files may use whatever helps them prove the code; so may the bank's
    // demo, which starts an event store in its own process to talk to it over gRPC.
    files: ["**/*.spec.ts", "**/testing/**/*.ts", "apps/bank/src/demo.ts"],
    rules: { "@nx/enforce-module-boundaries": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
