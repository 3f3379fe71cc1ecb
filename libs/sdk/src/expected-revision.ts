import { create } from "@bufbuild/protobuf";
import { ExpectedRevisionSchema, type ExpectedRevision as WireExpectedRevision } from "@annals/protocol";

/** What the caller expects of the stream when appending. */
export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | bigint | number;

export function toWireExpected(expected: ExpectedRevision = "any"): WireExpectedRevision {
  switch (expected) {
    case "any":
      return create(ExpectedRevisionSchema, { kind: { case: "any", value: {} } });
    case "no_stream":
      return create(ExpectedRevisionSchema, { kind: { case: "noStream", value: {} } });
    case "stream_exists":
      return create(ExpectedRevisionSchema, { kind: { case: "streamExists", value: {} } });
    default:
      return create(ExpectedRevisionSchema, { kind: { case: "exact", value: BigInt(expected) } });
  }
}

export function fromWireExpected(expected: WireExpectedRevision | undefined): ExpectedRevision {
  switch (expected?.kind.case) {
    case "noStream":
      return "no_stream";
    case "streamExists":
      return "stream_exists";
    case "exact":
      return expected.kind.value;
    default:
      return "any";
  }
}
