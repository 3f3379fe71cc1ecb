import nx from "@nx/eslint-plugin";
import tseslint from "typescript-eslint";

/**
 * Lint, and the dependency direction of DESIGN.md enforced through Nx tags:
 * apps → libs; sdk → protocol; store knows nothing of gRPC; bank knows nothing
 * of storage or transport; protocol depends on nothing but @bufbuild/protobuf.
 */
export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/gen/**", "**/dist/**", ".nx/**", "data/**", "tools/bench/results/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.js"],
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
            { sourceTag: "type:app", onlyDependOnLibsWithTags: ["type:protocol", "type:data", "type:domain", "type:client", "type:app"] },
            { sourceTag: "scope:tools", onlyDependOnLibsWithTags: ["*"] },
          ],
        },
      ],
    },
  },
  {
    // Test files may use whatever helps them prove the code.
    files: ["**/*.spec.ts", "**/testing/**/*.ts"],
    rules: { "@nx/enforce-module-boundaries": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
