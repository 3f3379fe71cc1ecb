import { describeBankService } from "./testing/bank-suite.js";
import { postgresBankDatabase } from "./testing/bank-fixture.js";

// The same bank suite as on SQLite (SDK, Connect and plain grpc-js clients, the
// race, snapshots, time travel, the projection), the event store and the bank's
// own database each in a throwaway PostgreSQL schema.
describeBankService("postgres", postgresBankDatabase);
