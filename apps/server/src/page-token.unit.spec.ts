import { describe, expect, it } from "vitest";
import { InvalidInputError } from "@annals/store";
import { decodePageToken, encodePageToken } from "./page-token.js";

describe("page tokens", () => {
  it("round-trip any stream name, and the empty token is the first page", () => {
    for (const id of ["ACC-001", "ünïcødé/+=", "a b"]) expect(decodePageToken(encodePageToken(id))).toBe(id);
    expect(decodePageToken("")).toBeUndefined();
  });

  it("refuse tokens the service did not give", () => {
    for (const token of ["not a token", "QUNDLTAwMQ==", "@@", encodePageToken("a\u0000b"), encodePageToken("\u0000")]) expect(() => decodePageToken(token)).toThrow(InvalidInputError);
  });
});
