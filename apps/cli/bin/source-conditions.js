// A module resolution hook: workspace packages resolve to their TypeScript
// sources (export condition "@annals/source", see the root README, "Development"),
// as `node --conditions=@annals/source` would do.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, "@annals/source"] });
}
