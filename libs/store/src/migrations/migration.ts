import type { Knex } from "knex";
import type { Dialect } from "../dialect/dialect.js";

/** One versioned schema change. Names sort in the order they apply. */
export interface Migration {
  name: string;
  up(knex: Knex, kind: Dialect["kind"]): Promise<void>;
  down(knex: Knex, kind: Dialect["kind"]): Promise<void>;
}
