import { describe, expect, it } from "vitest";
import { InvalidInputError } from "@annals/store";
import { decodeAccountPageToken, encodeAccountPageToken } from "./page-token.js";

describe("account page tokens", () => {
  it("round-trip any account id, and the empty token is the first page", () => {
    for (const id of ["ACC-001", "ünïcødé/+=", "a b"]) expect(decodeAccountPageToken(encodeAccountPageToken(id))).toBe(id);
    expect(decodeAccountPageToken("")).toBeUndefined();
  });

  it("refuse tokens the service did not give", () => {
    for (const token of ["not a token", "QUNDLTAwMQ==", "@@"]) expect(() => decodeAccountPageToken(token)).toThrow(InvalidInputError);
  });
});
