/**
 * `ANNALS_CHAOS_FULL=1` runs the longer, heavier variants (more connections,
 * more rounds, the full 4 × 256 MiB bodies on every path); by default every
 * probe is sized to run in a few seconds in CI.
 */
export const chaosFull = process.env["ANNALS_CHAOS_FULL"] === "1";
