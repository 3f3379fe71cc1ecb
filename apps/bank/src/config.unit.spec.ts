import { describe, expect, it } from "vitest";
import { BankConfigError, loadBankConfig, type BankConfig } from "./config.js";

describe("bank service settings", () => {
  it("takes flags before environment variables before defaults", () => {
    const config = loadBankConfig(["--port", "6000"], { ANNALS_BANK_PORT: "7000", ANNALS_BANK_HOST: "0.0.0.0" }) as BankConfig;
    expect(config.port).toBe(6000);
    expect(config.host).toBe("0.0.0.0");
    expect(config.snapshotEvery).toBe(100);
    expect(config.token).toBe("");
  });

  // API keys are base64url: one in 64 starts with a dash.
  it("takes a token that starts with a dash in the --token=value form and from ANNALS_TOKEN", () => {
    expect((loadBankConfig(["--token=-Ab3_x"], {}) as BankConfig).token).toBe("-Ab3_x");
    expect((loadBankConfig([], { ANNALS_TOKEN: "-Ab3_x" }) as BankConfig).token).toBe("-Ab3_x");
    expect(() => loadBankConfig(["--token", "-Ab3_x"], {})).toThrow(BankConfigError);
  });

  it("refuses a port out of range and an empty value with one line", () => {
    expect(() => loadBankConfig(["--port", "70000"], {})).toThrow(/port: "70000" is not an integer in 0\.\.65535/);
    expect(() => loadBankConfig(["--db="], {})).toThrow(/db: must not be empty/);
  });
});
