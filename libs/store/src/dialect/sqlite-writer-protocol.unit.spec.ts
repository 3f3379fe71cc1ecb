import { describe, expect, it } from "vitest";
import { planBatch, type AppendCommand, type BatchState } from "../sql/append-plan.js";
import type { ValidEvent } from "../validation.js";
import { decodeCommands, decodeOutcome, encodeOutcome, encodeRequest } from "./sqlite-writer-protocol.js";

let made = 0;
function event(generated: boolean, metadata: Record<string, string> = {}): ValidEvent {
  made += 1;
  const id = `0190a1b2-c3d4-7e5f-8a9b-${made.toString(16).padStart(12, "0")}`;
  return { id, type: "annals.test.v1.Happened", data: Uint8Array.of(made, made + 1, made + 2), contentType: "application/protobuf", metadata, generated };
}

/** The database as the batch finds it: stream `kept` at revision 1, one stored event id, `gone` tombstoned. */
function state(storedId: string): BatchState {
  return {
    heads: new Map([
      ["kept", { stream: "kept", lastRevision: 1, lastPosition: 7 }],
      ["gone", { stream: "gone", lastRevision: 0, lastPosition: 3 }],
    ]),
    lifecycle: new Map([["gone", { deletedThrough: undefined, tombstoned: true, hideBefore: 0 }]]),
    stored: new Map([[storedId, { stream: "kept", revision: 1, position: 7, recordedAt: 1_000 }]]),
    last: { position: 7, recordedAt: 1_000 },
  };
}

describe("the SQLite writer thread's messages", () => {
  it("answer, through structured clones, the outcome the main thread plans itself: the same results, and recorded events of the same fields", () => {
    const replayed = event(false);
    const commands: AppendCommand[] = [
      { stream: "fresh", expected: "no_stream", events: [event(true), event(true, { trace: "t-1" }), event(false)] },
      { stream: "kept", expected: 5, events: [event(true)] },
      { stream: "gone", expected: "any", events: [event(true)] },
      { stream: "kept", expected: 0, events: [replayed] },
      { stream: "kept", expected: 1, events: [event(true), event(false, { a: "b" })] },
      { stream: "empty", expected: "any", events: [] },
    ];
    const now = 2_000;
    const onMain = planBatch(commands, state(replayed.id), now);

    // What the thread does with the request, and what the store makes of its answer.
    const request = structuredClone(encodeRequest(1, commands, now));
    const onThread = decodeCommands(request);
    const answer = structuredClone(encodeOutcome(onThread, planBatch(onThread, state(replayed.id), request.now)));
    const decoded = decodeOutcome(commands, answer);

    expect(decoded.results).toStrictEqual(onMain.results);
    expect(decoded.results.map((result) => (result instanceof Error ? result.message : result))).toStrictEqual(
      onMain.results.map((result) => (result instanceof Error ? result.message : result)),
    );
    expect(decoded.recordedAt).toBe(onMain.recordedAt);
    expect(decoded.hidden).toBe(onMain.hidden);
    expect(decoded.recorded).toStrictEqual(onMain.recorded);
    expect(decoded.recorded.map((recorded) => recorded.position)).toStrictEqual([8, 9, 10, 11, 12]);
    for (const recorded of decoded.recorded) {
      expect(Object.keys(recorded)).toStrictEqual(["id", "type", "data", "contentType", "metadata", "stream", "revision", "position", "recordedAt"]);
    }
  });
});
