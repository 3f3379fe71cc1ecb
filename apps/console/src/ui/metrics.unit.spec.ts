import { describe, expect, it } from "vitest";
import { parsePrometheus, sampleOf } from "./metrics.js";

describe("the Prometheus text format, as /metrics answers it", () => {
  it("reads names, labels (with escapes) and values, skipping comments", () => {
    const samples = parsePrometheus(
      [
        "# HELP annals_server_info Always 1",
        "# TYPE annals_server_info gauge",
        'annals_server_info{version="0.1.0",backend="sqlite (better-sqlite3)"} 1',
        "annals_events_appended_total 1234",
        'annals_rpc_duration_seconds_bucket{le="+Inf",method="Append"} 7',
        'odd{path="a\\"b\\\\c\\nd"} 2.5e3',
        "",
      ].join("\n"),
    );
    expect(samples).toEqual([
      { name: "annals_server_info", labels: { version: "0.1.0", backend: "sqlite (better-sqlite3)" }, value: 1 },
      { name: "annals_events_appended_total", labels: {}, value: 1234 },
      { name: "annals_rpc_duration_seconds_bucket", labels: { le: "+Inf", method: "Append" }, value: 7 },
      { name: "odd", labels: { path: 'a"b\\c\nd' }, value: 2500 },
    ]);
    expect(sampleOf(samples, "annals_rpc_duration_seconds_bucket", { method: "Append" })?.value).toBe(7);
    expect(sampleOf(samples, "annals_rpc_duration_seconds_bucket", { method: "Read" })).toBeUndefined();
  });
});
