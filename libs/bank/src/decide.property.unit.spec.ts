import { describe, expect, it } from "vitest";
import { evolve, initialState } from "./account.js";
import type { AccountCommand } from "./commands.js";
import { decide } from "./decide.js";
import {
  AccountAlreadyOpenedError,
  AccountNotOpenedError,
  InsufficientFundsError,
  NonPositiveAmountError,
} from "./errors.js";
import { formatMoney } from "./money.js";
import { deposit, open, withdraw } from "./testing/fixtures.js";

/** mulberry32: a tiny seeded PRNG, so that a failing sequence can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Money as a whole number of cents in a bigint: an oracle independent of decimal.js. */
function centsToText(cents: bigint): string {
  const sign = cents < 0n ? "-" : "";
  const magnitude = cents < 0n ? -cents : cents;
  return `${sign}${magnitude / 100n}.${String(magnitude % 100n).padStart(2, "0")}`;
}

/** A random amount in cents: mostly small, sometimes zero, negative or huge. */
function randomCents(random: () => number): bigint {
  const roll = random();
  if (roll < 0.05) return 0n;
  if (roll < 0.1) return -BigInt(1 + Math.floor(random() * 10_000));
  if (roll < 0.15) return BigInt(Math.floor(random() * 1e9)) * 1_000_000n + BigInt(Math.floor(random() * 1e6));
  return BigInt(1 + Math.floor(random() * 20_000));
}

/** A random command: mostly deposits and withdrawals, sometimes an (re)opening. */
function randomCommand(random: () => number): AccountCommand {
  const text = centsToText(randomCents(random));
  const roll = random();
  if (roll < 0.1) return open(text);
  if (roll < 0.5) return deposit(text);
  return withdraw(text);
}

/** What the rules say a command should do, worked out in bigint cents. */
type Verdict =
  | { accepted: true; balanceAfter: bigint }
  | { accepted: false; error: abstract new (...args: never[]) => Error };

function oracle(command: AccountCommand, opened: boolean, balance: bigint): Verdict {
  if (command.type === "OpenAccount") {
    const cents = toCents(command.initialBalance.toFixed(2));
    if (cents < 0n) return { accepted: false, error: NonPositiveAmountError };
    if (opened) return { accepted: false, error: AccountAlreadyOpenedError };
    return { accepted: true, balanceAfter: cents };
  }
  const cents = toCents(command.amount.toFixed(2));
  if (cents <= 0n) return { accepted: false, error: NonPositiveAmountError };
  if (!opened) return { accepted: false, error: AccountNotOpenedError };
  if (command.type === "Deposit") return { accepted: true, balanceAfter: balance + cents };
  if (cents > balance) return { accepted: false, error: InsufficientFundsError };
  return { accepted: true, balanceAfter: balance - cents };
}

function toCents(fixed: string): bigint {
  return BigInt(fixed.replace(".", ""));
}

const SEQUENCES = 200;

describe("balance property", () => {
  it(`equals initial balance + accepted deposits - accepted withdrawals, never negative, over ${SEQUENCES} random sequences`, () => {
    let accepted = 0;
    let refused = 0;
    for (let seed = 1; seed <= SEQUENCES; seed += 1) {
      const random = prng(seed);
      const length = 1 + Math.floor(random() * 60);
      const commands: AccountCommand[] = [
        // Most sequences start by opening; some try to deposit or withdraw first.
        ...(random() < 0.85 ? [open(centsToText(BigInt(Math.floor(random() * 50_000))))] : []),
        ...Array.from({ length }, () => randomCommand(random)),
      ];

      let state = initialState();
      let opened = false;
      let balance = 0n;
      let version = 0;
      for (const [index, command] of commands.entries()) {
        const where = `seed ${seed}, command ${index}: ${command.type}`;
        const verdict = oracle(command, opened, balance);
        if (!verdict.accepted) {
          refused += 1;
          expect(() => decide(command, state), where).toThrow(verdict.error);
          continue;
        }

        accepted += 1;
        const events = decide(command, state);
        expect(events, where).toHaveLength(1);
        for (const event of events) {
          state = evolve(state, event);
        }
        opened = true;
        balance = verdict.balanceAfter;
        version += 1;

        expect(formatMoney(state.balance), where).toBe(centsToText(balance));
        expect(state.balance.isNegative(), where).toBe(false);
        expect(state.version, where).toBe(version);
      }
    }
    // The generator exercises both outcomes often.
    expect(accepted).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(500);
  });
});
