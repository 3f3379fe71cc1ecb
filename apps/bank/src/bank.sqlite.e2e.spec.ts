import { describeBankService } from "./testing/bank-suite.js";
import { sqliteBankDatabase } from "./testing/bank-fixture.js";

describeBankService("sqlite", sqliteBankDatabase);
