import { describe } from "vitest";
import type { BankDatabaseFactory } from "./bank-fixture.js";
import { describeCommandsThroughSdk } from "./suites/commands.js";
import { describeConcurrency } from "./suites/concurrency.js";
import { describeThroughGrpcJs } from "./suites/grpc-js.js";
import { describeProjection } from "./suites/projection.js";
import { describeSnapshots } from "./suites/snapshots.js";

/**
 * The bank account service end to end on one backend: through the SDK (gRPC
 * and Connect) and a plain @grpc/grpc-js client, the race, snapshots, time
 * travel, idempotency across a restart and the accounts projection. Each part
 * gets a fresh database from `factory`.
 */
export function describeBankService(backend: string, factory: BankDatabaseFactory): void {
  describe(`bank account service on ${backend}`, () => {
    describeCommandsThroughSdk(factory);
    describeThroughGrpcJs(factory);
    describeConcurrency(factory);
    describeSnapshots(factory);
    describeProjection(factory);
  });
}
