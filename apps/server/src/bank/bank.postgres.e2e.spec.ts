import { openEventStore } from "@annals/store";
import { createThrowawaySchema } from "@annals/store/testing-postgres";
import { describeBankService } from "./testing/bank-suite.js";

// The same bank suite as on SQLite (SDK, Connect and plain grpc-js clients, the
// race, snapshots, time travel, the projection), on a throwaway PostgreSQL schema.
describeBankService("postgres", async () => {
  const scratch = await createThrowawaySchema();
  return {
    openStore: () => openEventStore({ database: scratch.url, postgresSchema: scratch.schema, postgresPoolSize: 4 }),
    cleanup: () => scratch.drop(),
  };
});
